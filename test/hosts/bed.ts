/**
 * A test bed of Docker hosts on this machine: each host a network namespace with its own address on a bridge
 * the bed creates, its own dockerd (own data-root, exec-root, pid file, containerd, unix socket, cgroup parent)
 * and its own sshd (key login only, for one user, DOCKER_HOST set to that host's socket). The machine that
 * runs the tests plays the operator's workstation: it reaches every host over ssh with a key made per run.
 *
 * Everything carries BED_PREFIX: namespaces, links, the bridge, the user, the folder BED_ROOT (pid files,
 * sockets, keys, logs, data). removeBed() removes all of it, also what an interrupted run left, and is called
 * before a bed starts and when it ends. Needs root, iproute2, nsenter, docker.io and openssh-server.
 *
 * dockerd runs under `nsenter --net` rather than `ip netns exec`: the latter mounts a fresh /sys for the
 * namespace, which hides /sys/fs/cgroup, and dockerd then refuses to start ("Devices cgroup isn't mounted").
 * Hosts share this machine's file system (a bind mount's host folder is the same folder on every host).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { lastLine, run } from "../../tools/shared/command";

export const BED_PREFIX = process.env.ROBOTOFF_BED_PREFIX || "rbtbed-";
/** Where the bed keeps its state; fixed, so that the next start finds what an interrupted run left. */
export const BED_ROOT = `/var/lib/${BED_PREFIX}hosts`;
/** The bed's network: the bridge has .1 (the operator's side), hosts .2, .3, ... */
export const BED_SUBNET = process.env.ROBOTOFF_BED_SUBNET || "10.231.7";
export const BED_USER = `${BED_PREFIX}deploy`;
/** The namespace that holds the bed's bridge, and this machine's link to it. */
const SWITCH = `${BED_PREFIX}switch`;
const OPERATOR_LINK = `${BED_PREFIX}op`;

export interface BedHost {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  readonly dir: string;
  /** The host's dockerd socket, as the host itself sees it (DOCKER_HOST on the host). */
  readonly socket: string;
  /** How the operator reaches it: ssh://<user>@<address>. */
  readonly sshUrl: string;
}

export interface Bed {
  readonly hosts: readonly BedHost[];
  /** The client key's private half, and a known_hosts file with every host's key. */
  readonly keyFile: string;
  readonly knownHosts: string;
  /** What robotoff:hosts.<name>.sshOpts gets: the key, the known hosts, no prompt. */
  readonly sshOpts: readonly string[];
  readonly host: (name: string) => BedHost;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sh(file: string, args: string[], what: string, timeoutMs = 60_000): Promise<string> {
  const r = await run(file, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`test bed: ${what}: ${file} ${args.join(" ")}: ${lastLine(r)}`);
  return r.stdout;
}

/** The names a command lists that carry the prefix (`ip netns list`, `ip -o link`). */
async function prefixed(file: string, args: string[], pick: (line: string) => string | undefined): Promise<string[]> {
  const r = await run(file, args);
  return r.stdout
    .split("\n")
    .map((l) => pick(l.trim()))
    .filter((n): n is string => !!n && n.startsWith(BED_PREFIX));
}

const hostDir = (name: string) => join(BED_ROOT, name);
/** Where the processes of a cgroup are listed: the pids controller (cgroup v1), or the unified tree (v2). */
export const CGROUP_ROOT = existsSync("/sys/fs/cgroup/pids") ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup";
const pidOf = (file: string): number | undefined => {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The command name of a process, to check that a pid file still names the daemon it was written for. */
const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};

const cmdlineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/** Sends a signal unless the process is gone already (it may exit between a check and the kill). */
const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
};

/**
 * Stops the process a pid file names when it is `comm` started for this folder (a reused pid, such as this
 * machine's own dockerd or sshd after a reboot, is left alone); SIGKILL after graceMs.
 */
async function stopByPidFile(file: string, comm: string, graceMs: number): Promise<void> {
  const pid = pidOf(file);
  if (!pid || commOf(pid) !== comm || !cmdlineOf(pid).includes(dirname(file))) return;
  signal(pid, "SIGTERM");
  for (let waited = 0; alive(pid) && waited < graceMs; waited += 200) await sleep(200);
  if (alive(pid)) signal(pid, "SIGKILL");
}

/** The processes in a network namespace of the bed (an ssh session of the bed's user, dial-stdio, a container). */
function processesInNetns(netns: string): number[] {
  let inode: string;
  try {
    inode = String(statSync(`/var/run/netns/${netns}`).ino);
  } catch {
    return [];
  }
  return readdirSync("/proc")
    .filter((p) => /^[0-9]+$/.test(p) && Number(p) !== process.pid)
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/ns/net`) === `net:[${inode}]`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Processes whose command line names `path` (containerd, shims, a dockerd whose pid file is gone). */
function processesNaming(path: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^[0-9]+$/.test(p) && Number(p) !== process.pid)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every process in the cgroups whose name starts with `prefix` (containers of a dockerd killed rather than stopped). */
function cgroupProcesses(prefix: string): number[] {
  const procs = (dir: string): number[] => {
    let own: number[] = [];
    try {
      own = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      // not a cgroup folder
    }
    const subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    return [...own, ...subs.flatMap((e) => procs(join(dir, e.name)))];
  };
  const root = CGROUP_ROOT;
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => n.startsWith(prefix))
    .flatMap((n) => procs(join(root, n)));
}

/** Removes the bed's cgroup folders (empty once their processes are gone), deepest first: under each v1 controller, or the v2 root. */
function removeCgroups(): void {
  const roots = existsSync("/sys/fs/cgroup/pids")
    ? readdirSync("/sys/fs/cgroup").map((controller) => join("/sys/fs/cgroup", controller))
    : existsSync("/sys/fs/cgroup")
      ? ["/sys/fs/cgroup"]
      : [];
  for (const root of roots) {
    let entries: string[] = [];
    try {
      entries = readdirSync(root).filter((n) => n.startsWith(BED_PREFIX));
    } catch {
      continue;
    }
    const remove = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
      try {
        rmdirSync(dir); // cgroupfs: a folder goes with rmdir(2) once it has no process and no child
      } catch {
        // busy or not removable: left for the next run
      }
    };
    for (const e of entries) remove(join(root, e));
  }
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) signal(pid, "SIGKILL");
}

/** Unmounts whatever dockerd left mounted under the bed's folder (a killed dockerd leaves overlay and netns mounts). */
async function unmountBed(): Promise<void> {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m): m is string => !!m && m.startsWith(`${BED_ROOT}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run("umount", ["-l", m]);
}

/**
 * Removes every trace of a bed, this run's or an interrupted one's: daemons (by their pid files, then by
 * command line), container processes, mounts, namespaces, links, cgroups, the folder and the user.
 */
export async function removeBed(log: (line: string) => void = () => {}): Promise<void> {
  const hosts = existsSync(BED_ROOT) ? readdirSync(BED_ROOT).filter((n) => existsSync(join(BED_ROOT, n, "host"))) : [];
  for (const h of hosts) {
    await stopByPidFile(join(hostDir(h), "sshd.pid"), "sshd", 2_000);
    await stopByPidFile(join(hostDir(h), "docker.pid"), "dockerd", 20_000);
  }
  const namespaces = await prefixed("ip", ["netns", "list"], (l) => l.split(" ")[0]);
  killAll([...processesNaming(`${BED_ROOT}/`), ...cgroupProcesses(BED_PREFIX), ...namespaces.flatMap(processesInNetns)]);
  await sleep(300);
  await unmountBed();
  for (const ns of namespaces) {
    log(`removing network namespace ${ns}`);
    await run("ip", ["netns", "delete", ns]);
  }
  for (const link of await prefixed("ip", ["-o", "link", "show"], (l) => l.split(": ")[1]?.split("@")[0])) await run("ip", ["link", "delete", link]);
  removeCgroups();
  if (existsSync(BED_ROOT)) {
    log(`removing ${BED_ROOT}`);
    rmSync(BED_ROOT, { recursive: true, force: true });
  }
  if ((await run("id", ["-u", BED_USER])).code === 0) {
    await run("pkill", ["-KILL", "-u", BED_USER]); // userdel refuses a user with processes
    await sleep(200);
    const removed = await run("userdel", [BED_USER]);
    if (removed.code !== 0) throw new Error(`test bed: userdel ${BED_USER}: ${lastLine(removed)}`);
  }
}

/** A detached process with its output in a log file (dockerd does not daemonize itself). */
function spawnDetached(file: string, args: string[], logFile: string): void {
  const fd = openSync(logFile, "a");
  const child = spawn(file, args, { detached: true, stdio: ["ignore", fd, fd] });
  child.unref();
  closeSync(fd);
}

/** Starts the host's dockerd in its namespace and waits until it answers on its socket. */
export async function startDockerd(host: BedHost): Promise<void> {
  const exec = join(host.dir, "exec");
  rmSync(join(host.dir, "docker.pid"), { force: true });
  rmSync(join(exec, "containerd", "containerd.pid"), { force: true });
  // Its own UTS namespace too, so that the host has its own name (Swarm names nodes by hostname).
  spawnDetached(
    "unshare",
    [
      "--uts",
      "nsenter",
      `--net=/var/run/netns/${host.netns}`,
      "sh",
      "-c",
      'hostname "$0" && exec dockerd "$@"',
      host.netns,
      `--data-root=${join(host.dir, "data")}`,
      `--exec-root=${exec}`,
      `--pidfile=${join(host.dir, "docker.pid")}`,
      `--host=unix://${host.socket}`,
      `--group=${BED_USER}`,
      // cgroupfs whatever the machine's default: the systemd driver wants a slice name as cgroup parent.
      "--exec-opt=native.cgroupdriver=cgroupfs",
      `--cgroup-parent=/${host.netns}`,
    ],
    join(host.dir, "dockerd.log"),
  );
  for (let i = 0; i < 120; i++) {
    if ((await run("docker", ["-H", `unix://${host.socket}`, "version", "--format", "{{.Server.Version}}"], { timeoutMs: 5_000 })).code === 0) return;
    await sleep(500);
  }
  throw new Error(
    `test bed: ${host.name}'s dockerd did not answer in 60 s; the end of ${join(host.dir, "dockerd.log")}:\n${tail(join(host.dir, "dockerd.log"))}`,
  );
}

/** Stops the host's dockerd (SIGTERM: it stops its containers first, as `systemctl stop docker` does). */
export async function stopDockerd(host: BedHost): Promise<void> {
  await stopByPidFile(join(host.dir, "docker.pid"), "dockerd", 30_000);
}

/** Whether something takes TCP connections at address:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect({ host, port, timeout: 1_000 }, () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
    c.on("timeout", () => {
      c.destroy();
      resolve(false);
    });
  });

const tail = (file: string) => {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
};

function sshdConfig(host: BedHost): string {
  return [
    `ListenAddress ${host.address}:22`,
    `HostKey ${join(host.dir, "host_key")}`,
    `PidFile ${join(host.dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(host.dir, "authorized_keys")}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    // The bed's folder is root's, not the user's: sshd's ownership checks would refuse its key file.
    "StrictModes no",
    "UsePAM no",
    `AllowUsers ${BED_USER}`,
    // The user's docker CLI (dial-stdio) reaches this host's dockerd, not the machine's.
    `SetEnv DOCKER_HOST=unix://${host.socket}`,
    "",
  ].join("\n");
}

/** Starts (or restarts) the host's sshd in its namespace. */
export async function startSshd(host: BedHost): Promise<void> {
  mkdirSync("/run/sshd", { recursive: true });
  writeFileSync(join(host.dir, "sshd_config"), sshdConfig(host));
  await sh(
    "nsenter",
    [`--net=/var/run/netns/${host.netns}`, "/usr/sbin/sshd", "-f", join(host.dir, "sshd_config"), "-E", join(host.dir, "sshd.log")],
    `${host.name}'s sshd`,
  );
  // sshd forks before it binds: wait until the port takes connections (a failed bind is only in sshd.log).
  for (let i = 0; !(await accepts(host.address, 22)); i++) {
    if (i === 50)
      throw new Error(
        `test bed: ${host.name}'s sshd does not listen on ${host.address}:22; ${join(host.dir, "sshd.log")}:\n${tail(join(host.dir, "sshd.log"))}`,
      );
    await sleep(100);
  }
}

export async function stopSshd(host: BedHost): Promise<void> {
  await stopByPidFile(join(host.dir, "sshd.pid"), "sshd", 5_000);
}

/**
 * Starts a bed with the named hosts (addresses .2, .3, ... in their order), after removing any earlier bed.
 * The caller removes it with removeBed().
 */
export async function startBed(names: readonly string[], log: (line: string) => void = () => {}): Promise<Bed> {
  await removeBed(log);
  for (const tool of ["ip", "nsenter", "dockerd", "/usr/sbin/sshd", "ssh", "ssh-keygen", "useradd"])
    if ((await run("sh", ["-c", `command -v ${tool}`])).code !== 0)
      throw new Error(`test bed: ${tool} is not installed (apt-get install iproute2 docker.io openssh-server)`);
  mkdirSync(BED_ROOT, { recursive: true, mode: 0o755 });
  // The user the operator logs in as: no password (key only), in the group that owns the hosts' sockets.
  mkdirSync(join(BED_ROOT, "home"), { mode: 0o755 });
  await sh("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", join(BED_ROOT, "home"), "--shell", "/bin/sh", BED_USER], "the bed's user");
  await sh("usermod", ["-p", "*", BED_USER], "unlock the bed's user for key logins");

  const client = join(BED_ROOT, "client");
  mkdirSync(client, { recursive: true });
  const keyFile = join(client, "id_ed25519");
  await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${BED_PREFIX}operator`, "-f", keyFile], "the operator's key");

  // The bridge lives in a namespace of its own (the bed's switch): in this machine's namespace br_netfilter
  // would pass bridged frames through the FORWARD chain, which a dockerd here sets to DROP, and the global
  // bridge-nf-call-iptables cannot be turned off for one bridge. The operator's side is a veth into it.
  await sh("ip", ["netns", "add", SWITCH], "the bed's switch");
  await sh("ip", ["-n", SWITCH, "link", "add", "br0", "type", "bridge"], "the bed's bridge");
  await sh("ip", ["-n", SWITCH, "link", "set", "br0", "up"], "the bridge up");
  await sh("ip", ["link", "add", OPERATOR_LINK, "type", "veth", "peer", "name", "operator", "netns", SWITCH], "the operator's link");
  await sh("ip", ["-n", SWITCH, "link", "set", "operator", "master", "br0", "up"], "the operator's link on the bridge");
  await sh("ip", ["addr", "add", `${BED_SUBNET}.1/24`, "dev", OPERATOR_LINK], "the operator's address");
  await sh("ip", ["link", "set", OPERATOR_LINK, "up"], "the operator's link up");

  const hosts: BedHost[] = names.map((name, i) => {
    const dir = hostDir(name);
    return {
      name,
      netns: `${BED_PREFIX}${name}`,
      address: `${BED_SUBNET}.${i + 2}`,
      dir,
      socket: join(dir, "docker.sock"),
      sshUrl: `ssh://${BED_USER}@${BED_SUBNET}.${i + 2}`,
    };
  });
  const known: string[] = [];
  for (const h of hosts) {
    mkdirSync(h.dir, { recursive: true, mode: 0o755 });
    writeFileSync(join(h.dir, "host"), `${h.name}\n`);
    const port = switchPort(h);
    await sh("ip", ["netns", "add", h.netns], `${h.name}'s namespace`);
    await sh("ip", ["-n", SWITCH, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.netns], `${h.name}'s link`);
    await sh("ip", ["-n", SWITCH, "link", "set", port, "master", "br0", "up"], `${h.name}'s link on the bridge`);
    await sh("ip", ["-n", h.netns, "addr", "add", `${h.address}/24`, "dev", "eth0"], `${h.name}'s address`);
    await sh("ip", ["-n", h.netns, "link", "set", "eth0", "up"], `${h.name}'s link up`);
    await sh("ip", ["-n", h.netns, "link", "set", "lo", "up"], `${h.name}'s loopback`);
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(h.dir, "host_key")], `${h.name}'s host key`);
    writeFileSync(join(h.dir, "authorized_keys"), readFileSync(`${keyFile}.pub`));
    known.push(`${h.address} ${readFileSync(join(h.dir, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ")}`);
    await startDockerd(h);
    await startSshd(h);
    log(`host ${h.name}: ${h.address}, dockerd and sshd up`);
  }
  const knownHosts = join(client, "known_hosts");
  writeFileSync(knownHosts, `${known.join("\n")}\n`);
  const sshOpts = ["-i", keyFile, "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
  return {
    hosts,
    keyFile,
    knownHosts,
    sshOpts,
    host: (name) => {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`test bed: no host ${name} (hosts: ${hosts.map((x) => x.name).join(", ")})`);
      return h;
    },
  };
}

/** Copies images from this machine's Engine to a bed host (no registry: `docker save | docker load` over the host's socket). */
export async function loadImages(host: BedHost, references: readonly string[]): Promise<void> {
  if (references.length === 0) return;
  const r = await run("sh", ["-c", `docker save "$@" | docker -H unix://${host.socket} load -q`, "sh", ...references], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`test bed: loading ${references.join(", ")} on ${host.name}: ${lastLine(r)}`);
}

/** The host's port on the bed's switch (its cable). */
const switchPort = (host: BedHost) => `to-${host.name}`.slice(0, 15);

/**
 * The host dies: its cable is pulled (no frame leaves or reaches it) and every process of it is killed at
 * once, its dockerd, containerd, shims, containers and sshd, nothing stopped in order. reviveHost boots it.
 */
export async function killHost(host: BedHost): Promise<void> {
  await sh("ip", ["-n", SWITCH, "link", "set", switchPort(host), "down"], `${host.name}'s cable out`);
  for (let i = 0; i < 3; i++) {
    killAll([...processesNaming(`${host.dir}/`), ...cgroupProcesses(host.netns), ...processesInNetns(host.netns)]);
    await sleep(200);
  }
}

/** The host boots again: cable in, dockerd (which rejoins its swarm by itself) and sshd started. */
export async function reviveHost(host: BedHost): Promise<void> {
  await sh("ip", ["-n", SWITCH, "link", "set", switchPort(host), "up"], `${host.name}'s cable in`);
  await startDockerd(host);
  await startSshd(host);
}

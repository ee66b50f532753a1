/**
 * The swarm target on three real nodes: the test bed (../hosts/bed.ts) runs node1 (manager), node2 (the data
 * node: postgres, Elasticsearch and tf_serving are pinned to its labels) and node3, each a network namespace
 * with its own dockerd; the overlay network crosses them over VXLAN. test/fixtures/Pulumi.staging-swarm.yaml
 * (the tier's names; dnsrr and no published ports: this kernel has no IPVS) is replayed on the manager over
 * ssh, as the provider reaches it. Then the faults, each measured: a worker node dies while requests go to
 * the api; the data node restarts; a backup taken on the data node is restored on a fresh volume.
 * Lines `[figure] ...` are the measured figures (test/hosts/bench.sh prints them).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { sshWrapperDir } from "../../tools/shared/ssh-wrapper";
import { killHost, loadImages, removeBed, reviveHost, startBed, stopDockerd, startDockerd, type Bed, type BedHost } from "../hosts/bed";
import { sshDial, type SshDial } from "../hosts/ssh-dial";
import { engineAt, type EngineApi } from "./engine-api";
import type { EngineRender } from "./render-json";
import { MODELS_CONFIG, PREFIX, PROJECT_DIR, renderForEngine, SSH_PARALLEL, tierConfig } from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";
import { applySwarm, plannedServiceChange, readService, runningReplicas, upSwarmAgain, type SwarmApplied } from "./swarm-replay";

const log = (line: string) => process.stdout.write(`[nodes] ${line}\n`);
const figure = (line: string) => log(`[figure] ${line}`);
const LABEL = "nodes";
const PROBE = `${PREFIX}stand-in/probe:1`;
const DATA_LABELS = { postgres: `${PREFIX}nodes.data=true`, elasticsearch: `${PREFIX}nodes.data=true`, tfServing: `${PREFIX}nodes.data=true` };
const REPLICAS = { api: 3, workers: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let bed: Bed;
let dial: SshDial;
let manager: EngineApi;
let render: EngineRender;
let applyError: unknown;
let hostRoot = "";
let configFile = "";
const applied: SwarmApplied = { ids: new Map(), services: new Map(), networks: [], secrets: [], configs: [], steps: new Map() };
const used: string[] = [];
const nodeIds = new Map<string, string>();

/** The docker CLI on a node, through its own socket. */
async function onNode(node: BedHost, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await run("docker", ["-H", `unix://${node.socket}`, ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} on ${node.name}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const aliasOf = (inputs: any) => inputs.taskSpec.networksAdvanceds[0].aliases[0] as string;
const service = (alias: string) => [...applied.services.values()].find((s) => aliasOf(s.inputs) === alias)!;
const runningTasks = async (alias: string) =>
  (
    await manager<any[]>({ method: "GET", path: "/tasks", query: { filters: JSON.stringify({ service: [service(alias).id], "desired-state": ["running"] }) } })
  ).filter((t) => t.Status.State === "running");
const nodeName = (id: string) => [...nodeIds.entries()].find(([, v]) => v === id)?.[0] ?? id;

let managerEnv: NodeJS.ProcessEnv | undefined;
/** An operator command (tools/<name>/index.ts) asked of the manager over ssh: DOCKER_HOST, with the bed's ssh options on PATH. */
function tool(name: string, args: string[], file = configFile, timeoutMs = 120_000) {
  managerEnv ??= { DOCKER_HOST: bed.host("node1").sshUrl, PATH: `${sshWrapperDir(bed.sshOpts)}:${process.env.PATH}` };
  return run(process.execPath, ["--require", "./tools/register.js", `tools/${name}/index.ts`, "--stack", "staging-2022", "--config-file", file, ...args], {
    cwd: PROJECT_DIR,
    env: managerEnv,
    timeoutMs,
  });
}

/** Waits until each named service runs as many tasks as it asks for, on nodes that are up (the provider's count); seconds taken. */
async function converged(aliases: readonly string[], seconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const counts = await Promise.all(aliases.map(async (a) => runningReplicas(service(a).id, manager).catch(() => ({ running: -1, replicas: 0 }))));
    if (counts.every((c) => c.running === c.replicas)) return (Date.now() - started) / 1000;
    if (Date.now() - started > seconds * 1000)
      throw new Error(`not converged after ${seconds} s: ${aliases.map((a, i) => `${a} ${counts[i].running}/${counts[i].replicas}`).join(", ")}`);
    await sleep(500);
  }
}

/** Seconds until each named service runs as many tasks as it asks for on nodes other than `lost`. */
async function backWithout(lost: string, aliases: (keyof typeof REPLICAS)[], seconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const counts = await Promise.all(aliases.map(async (a) => (await runningTasks(a).catch(() => [])).filter((t) => nodeName(t.NodeID) !== lost).length));
    if (counts.every((c, i) => c === REPLICAS[aliases[i]])) return (Date.now() - started) / 1000;
    if (Date.now() - started > seconds * 1000)
      throw new Error(`not back without ${lost} after ${seconds} s: ${aliases.map((a, i) => `${a} ${counts[i]}`).join(", ")}`);
    await sleep(250);
  }
}

/** Seconds until the manager marks the node down (its heartbeats stopped). */
async function markedDown(node: string, seconds: number): Promise<number> {
  const started = Date.now();
  while ((await manager({ method: "GET", path: `/nodes/${nodeIds.get(node)}` })).Status.State !== "down") {
    if (Date.now() - started > seconds * 1000) throw new Error(`${node} not marked down after ${seconds} s`);
    await sleep(250);
  }
  return (Date.now() - started) / 1000;
}

/** A container of the service's running task, and the node it runs on. */
async function taskContainer(alias: string): Promise<{ node: BedHost; id: string }> {
  const task = (await runningTasks(alias))[0];
  if (!task) throw new Error(`no running task of ${alias}`);
  return { node: bed.host(nodeName(task.NodeID)), id: task.Status.ContainerStatus.ContainerID };
}

const psql = async (sql: string) => {
  const pg = await taskContainer("postgres");
  return onNode(pg.node, ["exec", pg.id, "psql", "-U", "postgres", "-d", "postgres", "-At", "-c", sql]);
};

/**
 * A bounded loop of requests to the api from inside the bed (a container on node1 on the stack's overlay
 * network): one GET of the health URL every 50 ms for `seconds`, each with a 1 s timeout. Python resolves
 * `api` per request (dnsrr: one address per task) and tries each address in turn, as most clients do.
 */
function requestLoop(seconds: number): Promise<{ sent: number; failed: number; longestGapMs: number; errors: Record<string, number> }> {
  const script = `
import json, sys, time, urllib.request
end = time.time() + float(sys.argv[1]); sent = failed = 0; last_ok = time.time(); longest = 0.0; errors = {}
while time.time() < end:
    t = time.time()
    try:
        urllib.request.urlopen(sys.argv[2], timeout=1).read()
        longest = max(longest, time.time() - last_ok); last_ok = time.time()
    except Exception as e:
        failed += 1; errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    sent += 1
    time.sleep(max(0.0, 0.05 - (time.time() - t)))
longest = max(longest, time.time() - last_ok)
print(json.dumps({"sent": sent, "failed": failed, "longestGapMs": round(longest * 1000), "errors": errors}))
`;
  return onNode(
    bed.host("node1"),
    [
      "run",
      "--rm",
      "--name",
      `${PREFIX}${LABEL}-client`,
      "--network",
      applied.networks[0],
      PROBE,
      "python3",
      "-c",
      script,
      String(seconds),
      "http://api:5500/api/v1/health",
    ],
    (seconds + 60) * 1000,
  ).then((out) => JSON.parse(out.split("\n").pop()!));
}

function stackFile(): string {
  const fixture = load(readFileSync(join(PROJECT_DIR, "test/fixtures/Pulumi.staging-swarm.yaml"), "utf8")) as Record<string, any>;
  const cfg = tierConfig(fixture, hostRoot, LABEL, {
    "robotoff:swarm": { replicas: REPLICAS, nodeLabels: DATA_LABELS, endpointMode: "dnsrr", publishMode: "host", updateMonitor: "5s" },
    // No published api port: requests come over the overlay (host-mode ports would keep two tasks off one node).
    "robotoff:app": { api: { expose: { http: null }, healthcheck: { interval: "3s", startPeriod: "5s", retries: 3 } } },
    "robotoff:postgres": { healthcheck: { interval: "2s" } },
    // The bed's daemons cannot give unlimited memlock: the config's other choice, memory locking off.
    "robotoff:elasticsearch": { memoryLock: false, healthcheck: { interval: "2s" } },
    "robotoff:tfServing": { expose: { grpc: null, rest: null }, healthcheck: { interval: "2s" } },
  });
  const file = `${hostRoot}.yaml`;
  writeFileSync(file, dump(cfg));
  return file;
}

beforeAll(async () => {
  bed = await startBed(["node1", "node2", "node3"], log);
  const [node1, node2, node3] = [bed.host("node1"), bed.host("node2"), bed.host("node3")];
  await onNode(node1, ["swarm", "init", "--advertise-addr", node1.address]);
  const token = await onNode(node1, ["swarm", "join-token", "-q", "worker"]);
  for (const n of [node2, node3]) await onNode(n, ["swarm", "join", "--advertise-addr", n.address, "--token", token, `${node1.address}:2377`]);
  for (const n of bed.hosts) nodeIds.set(n.name, await onNode(n, ["info", "--format", "{{.Swarm.NodeID}}"]));
  await onNode(node1, ["node", "update", "--label-add", DATA_LABELS.postgres, nodeIds.get("node2")!]);
  log(`swarm: ${(await onNode(node1, ["node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}} {{.Status}}"])).replaceAll("\n", "; ")}`);

  hostRoot = mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-`));
  configFile = stackFile();
  render = renderForEngine("staging-2022", configFile);
  // The host folders the services bind: the same folder on every node (the bed's hosts share this file system).
  for (const s of render.resources.filter((r) => r.type === "docker:index/service:Service")) {
    for (const m of s.inputs.taskSpec.containerSpec.mounts.filter((x: any) => x.type === "bind")) {
      mkdirSync(m.source, { recursive: true });
      if (m.target === "/models") writeFileSync(join(m.source, "models.config"), MODELS_CONFIG);
    }
  }
  const images = render.outputs.images as Record<string, string>;
  used.push(...(await ensureStandIns(images, { log, extraTags: { probe: PROBE } })).created);
  const refs = [...new Set([...Object.values(images), PROBE])];
  await Promise.all(bed.hosts.map((n) => loadImages(n, refs)));

  dial = await sshDial(node1.sshUrl, bed.sshOpts);
  manager = engineAt(dial.socketPath);
  const started = Date.now();
  try {
    await applySwarm(render, applied, { log, api: manager, parallel: SSH_PARALLEL });
    figure(`staging converged on 3 nodes ${Math.round((Date.now() - started) / 1000)} s after the first create`);
  } catch (err) {
    applyError = err;
    log(`apply failed: ${err}`);
  }
}, 1_200_000);

afterAll(async () => {
  await dial?.close();
  await removeBed(log);
  await removeStandInTags(used);
  if (hostRoot) rmSync(hostRoot, { recursive: true, force: true });
  if (configFile) rmSync(configFile, { force: true });
}, 600_000);

describe("staging on a three-node swarm, over ssh to the manager", () => {
  it("converges: every service runs as many healthy tasks as it asks for", async () => {
    expect(applyError).toBeUndefined();
    const services = render.resources.filter((r) => r.type === "docker:index/service:Service").map((r) => aliasOf(r.inputs));
    await converged(services, 60); // throws, naming what runs, when a service is short of tasks
  });

  it("a second pulumi up of the same render changes nothing: each service keeps its version index and its tasks (issue 24)", async () => {
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          [...applied.services.values()].map(async (s) => {
            const svc = await manager({ method: "GET", path: `/services/${s.id}` });
            const tasks = await manager<any[]>({ method: "GET", path: "/tasks", query: { filters: JSON.stringify({ service: [s.id] }) } });
            return [s.inputs.name, { version: svc.Version.Index, tasks: tasks.map((t) => t.ID).sort() }] as const;
          }),
        ),
      );
    const before = await snapshot();
    expect(await upSwarmAgain(render, applied, { log, api: manager })).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("would replace every service on that second up if it named the network (v4.5.0 reads a service's network back as its id)", async () => {
    for (const s of applied.services.values()) {
      const state = await readService(s.id, s.inputs.name, manager);
      expect(state?.taskSpec.networksAdvanceds).toEqual([{ id: applied.ids.get(s.inputs.taskSpec.networksAdvanceds[0].id), aliases: [aliasOf(s.inputs)] }]);
      const byName = { ...s.inputs, taskSpec: { ...s.inputs.taskSpec, networksAdvanceds: [{ name: applied.networks[0], aliases: [aliasOf(s.inputs)] }] } };
      expect([s.inputs.name, plannedServiceChange(state!, byName, applied.ids)]).toEqual([
        s.inputs.name,
        { changed: ["taskSpec.networksAdvanceds"], replace: true },
      ]);
    }
  });

  it("keeps postgres, Elasticsearch and tf_serving on the labelled data node", async () => {
    for (const alias of ["postgres", "elasticsearch", "tf_serving"]) {
      const nodes = (await runningTasks(alias)).map((t) => nodeName(t.NodeID));
      expect([alias, nodes]).toEqual([alias, ["node2"]]);
    }
  });

  it("spreads the app's replicas over the nodes (api on all three, workers on two)", async () => {
    const api = new Set((await runningTasks("api")).map((t) => nodeName(t.NodeID)));
    const workers = new Set((await runningTasks("workers")).map((t) => nodeName(t.NodeID)));
    expect([...api].sort()).toEqual(["node1", "node2", "node3"]);
    expect(workers.size).toBe(2);
  });

  it("the app on another node reaches postgres and Elasticsearch on the data node over the overlay (VXLAN)", async () => {
    const elsewhere = (await runningTasks("api")).find((t) => nodeName(t.NodeID) !== "node2")!;
    const node = bed.host(nodeName(elsewhere.NodeID));
    const probe = "import socket; [socket.create_connection((h, p), timeout=5).close() for h, p in (('postgres', 5432), ('elasticsearch', 9200))]; print('ok')";
    expect(await onNode(node, ["exec", elsewhere.Status.ContainerStatus.ContainerID, "python3", "-c", probe])).toBe("ok");
  });

  it("livecheck and ops ps, asked of the manager over ssh (DOCKER_HOST), find every service up", async () => {
    const live = await tool("livecheck", []);
    expect([live.code, live.stderr]).toEqual([0, ""]);
    expect(live.stdout).toMatch(/^api: UP/m);
    const ps = await tool("ops", ["ps"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(new RegExp(`^${PREFIX}${LABEL}-api +api +3/3 running `, "m"));
  });
});

describe("doctor on the three nodes, asked of the manager over ssh", () => {
  const doctor = (file: string, ...args: string[]) => tool("doctor", args, file, 300_000);

  it("finds each pinned service's node, the data node", async () => {
    const r = await doctor(configFile);
    for (const service of ["postgres", "elasticsearch", "tf_serving"])
      expect(r.stdout).toMatch(new RegExp(`^OK +${service}: pinned to node rbtbed-node2 \\(${DATA_LABELS.postgres.replaceAll(".", "\\.")}\\)$`, "m"));
  });

  it("fails a label no node carries, naming the config key, before anything is deployed", async () => {
    const wrong = `${PREFIX}nodes.nowhere=true`;
    const file = `${hostRoot}-wrong-label.yaml`;
    const cfg = load(readFileSync(configFile, "utf8")) as Record<string, any>;
    cfg.config["robotoff:swarm"].nodeLabels.postgres = wrong;
    writeFileSync(file, dump(cfg));
    try {
      const r = await doctor(file);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FAIL postgres: 0 nodes carry ${wrong}: exactly one must`);
      expect(r.stdout).toContain("or set robotoff:swarm.nodeLabels.postgres to the label that node carries");
      // deploy.yml's preflight: the same line, asking the manager only.
      const preflight = await doctor(file, "--preflight");
      expect([preflight.code, preflight.stdout]).toEqual([1, expect.stringContaining(`FAIL postgres: 0 nodes carry ${wrong}: exactly one must`)]);
      expect(preflight.stdout).toMatch(/^OK +elasticsearch: pinned to node rbtbed-node2 /m);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe("faults on the three nodes, measured", () => {
  it("a worker node dies while the app serves: Swarm runs its replicas on the other nodes, and the api keeps answering", async () => {
    const node3 = bed.host("node3");
    const requests = requestLoop(45);
    await sleep(5_000);
    const killed = Date.now();
    await killHost(node3);
    let back = 0;
    let down = 0;
    try {
      const noticed = markedDown("node3", 120);
      back = await backWithout("node3", ["api", "workers"], 120);
      down = await noticed;
      const api = new Set((await runningTasks("api")).map((t) => nodeName(t.NodeID)));
      expect(api.has("node3")).toBe(false);
    } finally {
      const r = await requests;
      figure(
        `worker node killed: the manager marked it down ${down.toFixed(1)} s after the kill; every api and workers replica running on the other nodes ${back.toFixed(1)} s after the kill`,
      );
      figure(
        `worker node killed: ${r.failed} of ${r.sent} requests failed (1 s timeout, every 50 ms for 45 s), longest gap ${r.longestGapMs} ms, errors ${JSON.stringify(r.errors)}`,
      );
      await reviveHost(node3);
      log(`node3 back in ${Math.round((Date.now() - killed) / 1000)} s after the kill`);
      expect(r.sent).toBeGreaterThan(300);
      // Every replica answers but node3's: a client that tries the next address loses at most a few requests.
      expect(r.failed / r.sent).toBeLessThan(0.01);
      expect(r.longestGapMs).toBeLessThan(5_000);
      expect(back).toBeGreaterThanOrEqual(down);
    }
  }, 300_000);

  it("the data node restarts: postgres comes back on it with every row", async () => {
    await converged(["postgres"], 60);
    const before = (await runningTasks("postgres"))[0].ID;
    await psql("CREATE TABLE nodes_restart_check (n int); INSERT INTO nodes_restart_check SELECT generate_series(1, 10000);");
    const node2 = bed.host("node2");
    const stopped = Date.now();
    await stopDockerd(node2);
    await startDockerd(node2);
    // Back means a new task of postgres runs (the old one ended with the daemon), not the old one still counted.
    const started = Date.now();
    while (!(await runningTasks("postgres")).some((t) => t.ID !== before)) {
      if (Date.now() - started > 180_000) throw new Error("no new postgres task 180 s after the data node restarted");
      await sleep(500);
    }
    await converged(["postgres"], 180);
    const [sinceStop, sinceStart] = [(Date.now() - stopped) / 1000, (Date.now() - started) / 1000];
    figure(`data node restarted: postgres healthy again ${sinceStop.toFixed(1)} s after its dockerd stopped (${sinceStart.toFixed(1)} s after it started)`);
    expect(await psql("SELECT count(*), sum(n) FROM nodes_restart_check;")).toBe("10000|50005000");
    expect((await runningTasks("postgres")).map((t) => nodeName(t.NodeID))).toEqual(["node2"]);
  }, 300_000);

  it("a backup taken on the data node restores on a fresh volume there, dumping byte-equal", async () => {
    const pg = await taskContainer("postgres");
    const dump = async (node: BedHost, id: string) => onNode(node, ["exec", id, "pg_dump", "-U", "postgres", "-Fp", `--restrict-key=${LABEL}`, "postgres"]);
    const before = await dump(pg.node, pg.id);
    expect(before).toContain("CREATE TABLE public.nodes_restart_check");
    const volume = `${PREFIX}${LABEL}-restored`;
    const image = (await onNode(pg.node, ["inspect", "--format", "{{.Config.Image}}", pg.id])).split("@")[0];
    await onNode(pg.node, ["volume", "create", volume]);
    const fresh = await onNode(pg.node, [
      "run",
      "-d",
      "--name",
      `${PREFIX}${LABEL}-restore`,
      "-e",
      "POSTGRES_PASSWORD=restore",
      "-v",
      `${volume}:/var/lib/postgresql/data`,
      image,
    ]);
    try {
      // Over TCP, as the stack's healthcheck asks: the entrypoint's first server (initdb, then init scripts) listens on the
      // socket only and stops again, so a socket probe can answer in the gap before the real one starts.
      const ready = ["exec", fresh, "pg_isready", "-h", "127.0.0.1", "-U", "postgres"];
      for (let i = 0; i < 60 && (await run("docker", ["-H", `unix://${pg.node.socket}`, ...ready])).code !== 0; i++) await sleep(1000);
      const file = join(hostRoot, "backup.sql");
      writeFileSync(file, before);
      const restore = await run("sh", [
        "-c",
        `docker -H unix://${pg.node.socket} exec -i ${fresh} psql -q -v ON_ERROR_STOP=1 -U postgres -d postgres < ${file}`,
      ]);
      expect([restore.code, restore.stderr]).toEqual([0, ""]);
      const after = await dump(pg.node, fresh);
      const sha = (t: string) => createHash("sha256").update(t).digest("hex");
      figure(
        `backup on the data node: ${before.length} bytes, restored on a fresh volume, dumped again: sha256 ${sha(after) === sha(before) ? "equal" : "different"}`,
      );
      if (sha(after) !== sha(before)) {
        const [a, b] = [before.split("\n"), after.split("\n")];
        log(
          `first differing lines: ${JSON.stringify(
            a
              .map((l, i) => [l, b[i]])
              .filter(([x, y]) => x !== y)
              .slice(0, 6),
          )}`,
        );
      }
      expect(sha(after)).toBe(sha(before));
    } finally {
      await run("docker", ["-H", `unix://${pg.node.socket}`, "rm", "-f", fresh]);
      await run("docker", ["-H", `unix://${pg.node.socket}`, "volume", "rm", volume]);
    }
  }, 300_000);
});

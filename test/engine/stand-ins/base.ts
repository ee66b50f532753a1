/**
 * The stand-ins' common base image: a Debian bookworm root filesystem (debootstrap), imported with
 * `docker import`, so that no registry is needed. Cached under a tag named by the hash of its recipe.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, lastLine } from "../../../tools/shared/command";
import { STAND_IN_LABEL } from "../../../tools/doctor/stand-ins";

export { STAND_IN_LABEL };

/** Postgres' client and server tools come first, as on the official image's PATH. */
export const STAND_IN_PATH = "/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Everything that decides the base image's content: its hash names the cached image. */
const RECIPE = {
  suite: "bookworm",
  mirror: "http://deb.debian.org/debian",
  variant: "minbase",
  packages: ["python3", "postgresql-15", "busybox", "curl", "procps", "haproxy", "redis-server", "python3-rq"],
  /** Run in the root filesystem (chroot) before import. */
  finish: [
    "set -e",
    // Busybox applets the stand-ins' commands need (wget, ...), only where Debian has no tool of that name.
    'for a in $(busybox --list); do command -v "$a" >/dev/null 2>&1 || ln -s /bin/busybox "/usr/local/bin/$a"; done',
    // Debian's default cluster: the postgres stand-in runs its own initdb on PGDATA.
    "rm -rf /var/lib/postgresql/15/main /etc/postgresql/15/main",
    "mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql && chmod 2777 /var/run/postgresql",
    "apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log",
  ].join("\n"),
  changes: [`ENV PATH=${STAND_IN_PATH}`, "ENV LANG=C.UTF-8", `LABEL ${STAND_IN_LABEL}=1`, 'CMD ["/bin/sh"]'],
};

export const baseTag = () => `robotoff-stand-in/base:${createHash("sha256").update(JSON.stringify(RECIPE)).digest("hex").slice(0, 16)}`;

export async function imageExists(ref: string): Promise<boolean> {
  return (await run("docker", ["image", "inspect", "--format", "{{.Id}}", ref])).code === 0;
}

/** Mount points under dir (debootstrap mounts /proc and /sys while it runs), deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile("/proc/mounts", "utf8");
  return table
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((point) => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

async function removeRootfs(dir: string, log: (line: string) => void): Promise<void> {
  for (const point of await mountsUnder(dir)) await run("umount", ["-l", point]);
  if ((await mountsUnder(dir)).length > 0) {
    log(`stand-ins: left ${dir} in place: something is still mounted under it`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

async function must(what: string, result: Promise<{ code: number; stdout: string; stderr: string }>) {
  const r = await result;
  if (r.code !== 0) throw new Error(`stand-ins: ${what} failed (exit ${r.code}): ${lastLine(r)}`);
  return r;
}

/** Builds the base image unless its tag is present; returns the tag. */
export async function ensureBase(log: (line: string) => void): Promise<string> {
  const tag = baseTag();
  if (await imageExists(tag)) {
    log(`stand-ins: reusing ${tag}`);
    return tag;
  }
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "robotoff-stand-in-rootfs-"));
  try {
    log(`stand-ins: debootstrap ${RECIPE.suite} (${RECIPE.packages.join(", ")}) into ${dir}: a few minutes`);
    await must(
      "debootstrap",
      run("debootstrap", [`--variant=${RECIPE.variant}`, `--include=${RECIPE.packages.join(",")}`, RECIPE.suite, dir, RECIPE.mirror], {
        timeoutMs: 30 * 60_000,
      }),
    );
    await must("finishing the root filesystem", run("chroot", [dir, "/bin/sh", "-c", RECIPE.finish], { env: { PATH: STAND_IN_PATH, LANG: "C.UTF-8" } }));
    const changes = RECIPE.changes.flatMap((change) => ["--change", change]);
    await must(
      "docker import",
      run("bash", ["-o", "pipefail", "-c", 'tar -C "$1" -c . | docker import "${@:3}" - "$2"', "import", dir, tag, ...changes], {
        timeoutMs: 10 * 60_000,
      }),
    );
    log(`stand-ins: built ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
    return tag;
  } finally {
    await removeRootfs(dir, log);
  }
}

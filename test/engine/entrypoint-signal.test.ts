/**
 * Issue 25, item 4: does a stop reach the Robotoff worker through the 2026 app image's shell-form ENTRYPOINT
 * (`ENTRYPOINT /docker-entrypoint.sh $0 $@`, so PID 1 is `/bin/sh -c ...`; the script then `exec`s the command)?
 * A stand-in with that same entrypoint, on the Debian bookworm base (its /bin/sh is dash, as in upstream's
 * python:3.11-slim), runs a worker that imitates RQ's warm shutdown: on SIGTERM it finishes its current job, says
 * so, and exits 0. Each case is created and stopped as the provider does it (replay.ts createContainer, then the
 * ContainerStop with destroy_grace_seconds that resourceDockerContainerDelete sends before it removes). Then real
 * RQ workers (Debian's python3-rq) on a real Redis (redis-server) are released one after the other while they
 * work through a queue, and the jobs done, lost and run twice are counted, for either entrypoint.
 * Lines `[figure] ...` are the measured figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engine } from "./engine-api";
import { buildImage, createContainer, createNetwork, deleteContainer, inspectContainer } from "./replay";
import { PREFIX } from "./stack-under-test";
import { ensureBase, STAND_IN_LABEL } from "./stand-ins/base";

const log = (line: string) => process.stdout.write(`[signal] ${line}\n`);
const IMAGE = `${PREFIX}signal/robotoff:shell-form`;
const GRACE = 5;
const NETWORK = `${PREFIX}signal-net`;
const REDIS_URL = "redis://redis:6379/0";
/** The worker's command, one argument holding a space (RQ's queue list is several arguments upstream). */
const COMMAND = ["python3", "/worker.py", "robotoff-high-1 robotoff-low"];

/** The upstream script's behaviour (docker/docker-entrypoint.sh): bash, set -e, then exec the command. */
const ENTRYPOINT_SCRIPT = '#!/bin/bash\nset -e\nexec "$@"\n';
/** A job of 1 s at a time; on SIGTERM the current one is finished first, as RQ's warm shutdown does. */
const WORKER = `import os, signal, sys, time
stopping = False
def warm(*_):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, warm)
print(f"pid {os.getpid()} args {sys.argv[1:]}", flush=True)
job = 0
while not stopping:
    job += 1
    time.sleep(1)
print(f"warm shutdown: job {job} done, exiting", flush=True)
sys.exit(0)
`;
/** An RQ job of a quarter of a second, which says in a Redis list that it ran to its end. */
const JOBS = `import os, time, redis
def work(i):
    time.sleep(0.25)
    redis.Redis.from_url(os.environ["REDIS_URL"]).rpush("done", i)
`;
const ENQUEUE = `import os, sys, redis, rq
q = rq.Queue("robotoff-low", connection=redis.Redis.from_url(os.environ["REDIS_URL"]))
for i in range(int(sys.argv[1])):
    q.enqueue("jobs.work", i, job_timeout=60)
`;

let imageId = "";
let dir = "";
const created: string[] = [];

beforeAll(async () => {
  const base = await ensureBase(log);
  dir = mkdtempSync(join(tmpdir(), `${PREFIX}signal-`));
  writeFileSync(join(dir, "docker-entrypoint.sh"), ENTRYPOINT_SCRIPT, { mode: 0o755 });
  writeFileSync(join(dir, "worker.py"), WORKER);
  writeFileSync(join(dir, "jobs.py"), JOBS);
  writeFileSync(join(dir, "enqueue.py"), ENQUEUE);
  writeFileSync(
    join(dir, "Dockerfile"),
    [
      `FROM ${base}`,
      `LABEL ${STAND_IN_LABEL}=1`,
      "COPY docker-entrypoint.sh worker.py jobs.py enqueue.py /",
      "WORKDIR /",
      "ENTRYPOINT /docker-entrypoint.sh $0 $@",
      "",
    ].join("\n"),
  );
  await buildImage(IMAGE, { context: dir });
  imageId = (await engine<{ Id: string }>({ method: "GET", path: `/images/${encodeURIComponent(IMAGE)}/json` })).Id;
}, 600_000);

afterAll(async () => {
  for (const name of created) await deleteContainer(name, { destroyGraceSeconds: 0 }).catch(() => undefined);
  await engine({ method: "DELETE", path: `/networks/${NETWORK}` }).catch(() => undefined);
  await engine({ method: "DELETE", path: `/images/${encodeURIComponent(IMAGE)}` }).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Creates the worker as the provider does, lets it run a job, stops it as a release does; what it said and how it ended. */
async function release(name: string, extra: Record<string, unknown>) {
  const inputs = { name: `${PREFIX}signal-${name}`, command: COMMAND, memory: 128, memorySwap: 256, destroyGraceSeconds: GRACE, ...extra };
  created.push(inputs.name);
  const { id } = await createContainer(inputs, imageId);
  await new Promise((r) => setTimeout(r, 2500));
  const started = Date.now();
  await engine({ method: "POST", path: `/containers/${id}/stop`, query: { t: GRACE }, timeoutMs: (GRACE + 30) * 1000 });
  const seconds = (Date.now() - started) / 1000;
  // Without a terminal, the Engine frames each chunk: a stream byte, three zeros, a 4-byte length.
  const framed = String(await engine({ method: "GET", path: `/containers/${id}/logs`, query: { stdout: 1, stderr: 1 } }));
  const logs = framed.replace(/[\x01\x02]\x00\x00\x00[\s\S]{4}/g, "");
  const { State } = await inspectContainer(id);
  log(`${name}: exit ${State.ExitCode} after ${seconds.toFixed(1)} s; ${logs.trim().replace(/\s+/g, " ")}`);
  return { exitCode: State.ExitCode as number, seconds, logs };
}

describe("a stop through the 2026 app image's shell-form entrypoint (issue 25, item 4)", () => {
  it("as upstream runs it: /bin/sh (dash) is PID 1 and keeps the SIGTERM, the worker is killed after the grace, mid-job; the queue argument is split", async () => {
    const r = await release("shell-form", {});
    expect(r.logs).toMatch(/^pid (?!1 )\d+ args \['robotoff-high-1', 'robotoff-low'\]/m);
    expect(r.logs).not.toContain("warm shutdown");
    expect(r.exitCode).toBe(137);
    expect(r.seconds).toBeGreaterThanOrEqual(GRACE - 0.5);
  }, 120_000);

  it("with an init (docker-init as PID 1): the SIGTERM reaches the shell only, and the worker still dies without its warm shutdown", async () => {
    const r = await release("init", { init: true });
    expect(r.logs).not.toContain("warm shutdown");
    expect(r.exitCode).not.toBe(0);
  }, 120_000);

  it("with the entrypoint in exec form (the script, then the command as arguments): the worker is PID 1, gets the SIGTERM, finishes its job and exits 0", async () => {
    const r = await release("exec-form", { entrypoints: ["/docker-entrypoint.sh"] });
    expect(r.logs).toMatch(/^pid 1 args \['robotoff-high-1 robotoff-low'\]/m);
    expect(r.logs).toMatch(/warm shutdown: job \d+ done, exiting/);
    expect(r.exitCode).toBe(0);
    expect(r.seconds).toBeLessThan(GRACE);
  }, 120_000);
});

/** Runs a command in a container; its standard output. */
async function execOut(container: string, cmd: string[]): Promise<string> {
  const exec = await engine<{ Id: string }>({
    method: "POST",
    path: `/containers/${container}/exec`,
    json: { Cmd: cmd, AttachStdout: true, AttachStderr: true },
  });
  const out = await engine<string>({ method: "POST", path: `/exec/${exec.Id}/start`, json: { Detach: false, Tty: true }, timeoutMs: 120_000 });
  return String(out ?? "");
}

/**
 * N jobs in a real Redis, two real RQ workers on them; each worker released in turn while they work (deleted with
 * its destroy grace, then created again, as a release with deleteBeforeReplace does). Counts from Redis's lists.
 */
async function releaseWorkers(label: string, workerInputs: Record<string, unknown>, jobs: number) {
  const redis = `${PREFIX}signal-redis-${label}`;
  created.push(redis);
  const net = [{ name: NETWORK, aliases: ["redis"] }];
  // Debian's redis-server refuses other containers without a password (protected mode); the official image turns it off.
  await createContainer(
    { name: redis, entrypoints: ["redis-server", "--protected-mode", "no", "--appendonly", "yes", "--save", "60 1000"], memory: 256, networksAdvanced: net },
    imageId,
  );
  await new Promise((r) => setTimeout(r, 1000));
  await execOut(redis, ["env", `REDIS_URL=redis://127.0.0.1:6379/0`, "python3", "/enqueue.py", String(jobs)]);
  const worker = (n: number) => ({
    name: `${PREFIX}signal-${label}-worker-${n}`,
    command: ["rq", "worker", "--url", REDIS_URL, "--path", "/", "robotoff-low"],
    envs: [`REDIS_URL=${REDIS_URL}`],
    memory: 256,
    destroyGraceSeconds: GRACE,
    networksAdvanced: [{ name: NETWORK, aliases: [`worker-${n}`] }],
    ...workerInputs,
  });
  const ids = new Map<number, string>();
  for (const n of [1, 2]) {
    created.push(worker(n).name);
    ids.set(n, (await createContainer(worker(n), imageId)).id);
  }
  await new Promise((r) => setTimeout(r, 3000));
  for (const n of [1, 2]) {
    await deleteContainer(ids.get(n)!, worker(n));
    ids.set(n, (await createContainer(worker(n), imageId)).id);
  }
  const count = async (list: string) => Number((await execOut(redis, ["redis-cli", "LLEN", list])).trim());
  for (let i = 0; i < 240 && (await count("rq:queue:robotoff-low")) > 0; i++) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 2000)); // the last jobs taken finish
  const done = (await execOut(redis, ["redis-cli", "LRANGE", "done", "0", "-1"])).split(/\s+/).filter(Boolean);
  // This case's containers go now: the next one's redis takes the same DNS alias on the network.
  for (const n of [1, 2]) await deleteContainer(ids.get(n)!, { destroyGraceSeconds: 0 });
  await deleteContainer(redis, { destroyGraceSeconds: 0 });
  const unique = new Set(done);
  const result = { jobs, done: unique.size, lost: jobs - unique.size, duplicated: done.length - unique.size };
  log(
    `[figure] ${label}: two RQ workers released one after the other over ${jobs} jobs of 0.25 s: ${result.done} done, ${result.lost} lost, ${result.duplicated} run twice`,
  );
  return result;
}

describe("RQ workers on Redis released mid-queue (issue 25, item 4: jobs done, lost, run twice)", () => {
  beforeAll(async () => {
    await createNetwork({}, NETWORK);
  });

  it("through the shell-form entrypoint: each release kills its worker's job in flight after the grace", async () => {
    const r = await releaseWorkers("shell-form", {}, 120);
    expect(r.lost).toBeGreaterThanOrEqual(1);
    expect(r.duplicated).toBe(0);
  }, 300_000);

  it("with the entrypoint in exec form: RQ's warm shutdown finishes each job in flight; none lost, none run twice", async () => {
    const r = await releaseWorkers("exec-form", { entrypoints: ["/docker-entrypoint.sh"] }, 120);
    expect(r).toEqual({ jobs: 120, done: 120, lost: 0, duplicated: 0 });
  }, 300_000);
});

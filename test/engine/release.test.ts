/**
 * Releases on the real Engine (issue 18): staging's render applied, then a new robotoff:app.tag applied as
 * `pulumi up` would (stack-under-test.ts updateStack), while a request loop on this machine (the Docker host)
 * asks the api's published port every 50 ms. With robotoff:app.api.release rolling: no request fails, a
 * release that does not become healthy leaves the old copy serving, one whose image is missing touches
 * nothing, and a job queued in the workers is done. With replace (compose's way) the same release is measured.
 * The figures go to the log as `[figure]` lines; `test/engine/bench.sh N test/engine/release.test.ts` repeats them.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { engineAnswers } from "./engine-api";
import { findImage, inspectContainer } from "./replay";
import { requestLoop, requestsFor, type LoopResult } from "./request-loop";
import { applyStack, daemonUlimits, PREFIX, prepareStack, removeStack, rerender, updateStack, type StackUnderTest } from "./stack-under-test";
import { STACK_FILES_2026 } from "../fixtures/reference-2026";
import { ensureStandIns, removeStandInTags, STAND_IN_LABEL } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[release] ${line}\n`);
const PROBE = `${PREFIX}stand-in/probe:1`;
const APP = "ghcr.io/openfoodfacts/robotoff";
const TAG = { a: "release-a", b: "release-b", broken: "release-broken", missing: "release-missing" } as const;
/** Its own port, beside the tier's other stacks. */
const PORT = { rolling: 15580, replace: 15581, g26: 15582 } as const;
/** The tier's label of each stack (in every name it creates). */
const LABEL = { rolling: "rel", replace: "relc", g26: "rel26" } as const;
/**
 * Shorter than staging's 30 s interval, to keep the tier's time: each copy counts as healthy (and the next is
 * replaced) sooner, which leaves HAProxy less time to see the new copy than a real release does.
 */
const HEALTH = { interval: "2s", timeout: "2s", retries: 2, startPeriod: "4s" };

function stackConfig(release: "rolling" | "replace"): Record<string, unknown> {
  return {
    "robotoff:app": { tag: TAG.a, api: { release, expose: { http: String(PORT[release]) }, healthcheck: HEALTH, waitTimeout: "30s" } },
  };
}
const withTag = (tag: string) => (config: Record<string, any>) => (config["robotoff:app"].tag = tag);

/** An app image built on `from` with these Dockerfile lines, tagged `tag`. */
async function buildAppImage(from: string, tag: string, lines: readonly string[]): Promise<void> {
  const dockerfile = [`FROM ${from}`, ...lines, `LABEL ${STAND_IN_LABEL}=1`, ""].join("\n");
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}broken-`));
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  const r = await run("docker", ["build", "-q", "-t", tag, dir], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`build of ${tag}: ${r.stderr}`);
}

/** Sends jobs to the workers' IPC port from the api's first container, as the api does (IPC_HOST workers). */
async function queueJobs(fromContainer: string, ids: readonly string[], seconds: number): Promise<void> {
  const send = `import socket, sys
for job in sys.argv[2:]:
    with socket.create_connection(("workers", 6650), timeout=5) as s:
        s.sendall(f"job {job} {sys.argv[1]}\\n".encode())
        assert s.makefile().readline().strip() == "queued", job`;
  const r = await run("docker", ["exec", fromContainer, "python3", "-c", send, String(seconds), ...ids], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`queueing jobs: ${r.stderr}`);
}

const jobsDone = (sut: StackUnderTest) => {
  try {
    return readFileSync(join(sut.hostRoot, "datasets", "jobs-done"), "utf8")
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
};

const figure = (what: string, r: LoopResult, seconds?: number) =>
  log(
    `[figure] ${what}: ${r.sent} requests, ${r.failed} failed, longest gap between answers ${r.longestGapMs} ms${seconds === undefined ? "" : `, release took ${seconds.toFixed(1)} s`}${r.failures.length ? `; first failures: ${r.failures.slice(0, 3).join(", ")}` : ""}`,
  );

const used: string[] = [];
let daemon: { nofile: number; memlockKb: number } | undefined;

beforeAll(async () => {
  if (!(await engineAnswers())) throw new Error("no Docker Engine answers on this machine: start dockerd");
  await ensureStandIns({}, { log, extraTags: { probe: PROBE } });
  daemon = await daemonUlimits(PROBE);
}, 1_200_000);

afterAll(async () => {
  await removeStandInTags(used);
}, 300_000);

/** A staging stack (2022-09's, or 2026-06's) with this release mode, applied at tag A, with the stand-ins of tags A, B and the broken one. */
async function deployed(release: "rolling" | "replace", generation: "2022-09" | "2026-06" = "2022-09"): Promise<StackUnderTest> {
  const sut =
    generation === "2022-09"
      ? await prepareStack("staging-2022", LABEL[release], undefined, stackConfig(release))
      : await prepareStack("staging", LABEL.g26, STACK_FILES_2026.staging, {
          "robotoff:app": { tag: TAG.a, api: { release, expose: { http: String(PORT.g26) }, healthcheck: HEALTH, waitTimeout: "30s" } },
        });
  const images = sut.render.outputs.images as Record<string, string>;
  const { created } = await ensureStandIns(images, { log });
  used.push(...created, `${APP}:${TAG.b}`, `${APP}:${TAG.broken}`);
  // B: another image (its own ID), the same app. Broken: gunicorn binds another port, so it starts and never answers its healthcheck.
  await buildAppImage(`${APP}:${TAG.a}`, `${APP}:${TAG.b}`, ["LABEL org.openfoodfacts.robotoff.release=b"]);
  await buildAppImage(`${APP}:${TAG.a}`, `${APP}:${TAG.broken}`, ["USER root", `RUN printf 'bind = ":5599"\\n' > /opt/robotoff/gunicorn.py`, "USER off"]);
  await applyStack(sut, { log, daemon });
  return sut;
}

/** The api's copies, by name (a replaced one is recorded anew, after the others). */
const copies = (sut: StackUnderTest) =>
  [...sut.containers.values()].filter((c) => c.inputs.networksAdvanced[0].aliases[0] === "api").sort((a, b) => a.inputs.name.localeCompare(b.inputs.name));
/** The tag of the stack's app image that a container runs (each tag is its own image here). */
const tagOf = async (id: string) => {
  const image = (await inspectContainer(id)).Image as string;
  for (const tag of Object.values(TAG)) if ((await findImage(`${APP}:${tag}`).catch(() => "")) === image) return tag;
  return image;
};

/** The describe block's stack: deployed before its tests, removed after them. */
function stackFor(release: "rolling" | "replace", generation?: "2022-09" | "2026-06"): { readonly sut: StackUnderTest } {
  const holder = {} as { sut: StackUnderTest };
  beforeAll(async () => {
    holder.sut = await deployed(release, generation);
  }, 1_200_000);
  afterAll(async () => {
    if (holder.sut) await removeStack(holder.sut).catch((err) => log(`removing the stack: ${err}`));
  }, 600_000);
  return holder;
}

describe("robotoff:app.api.release rolling: a release on the real Engine", () => {
  const stack = stackFor("rolling");
  let sut: StackUnderTest;
  beforeAll(() => void (sut = stack.sut));
  const url = `http://127.0.0.1:${PORT.rolling}/api/v1/health`;

  it("answers through api_proxy from both copies before the release", async () => {
    expect(copies(sut).map((c) => c.inputs.name)).toEqual([`${PREFIX}${LABEL.rolling}-api-1`, `${PREFIX}${LABEL.rolling}-api-2`]);
    const before = await requestsFor(url, 50, 2_000);
    expect([before.sent > 30, before.failed]).toEqual([true, 0]);
  });

  it("releases tag A -> B with 0 failed requests, each copy replaced once the one before is healthy; a queued job is done", async () => {
    // The app's data folders belong to its user (off, uid 1000) on a real host; the tier made them as root.
    chmodSync(join(sut.hostRoot, "datasets"), 0o777);
    const jobs = Array.from({ length: 10 }, (_, i) => `before-release-${i}`);
    await queueJobs(copies(sut)[0].id, jobs, 0.4);
    // Rendered first: the render blocks this process, and the loop with it.
    const next = rerender(sut, withTag(TAG.b));
    const loop = requestLoop(url, { everyMs: 50 });
    const t0 = Date.now();
    await updateStack(sut, next, { log, daemon });
    const seconds = (Date.now() - t0) / 1000;
    const result = await loop.stop();
    figure("rolling release A -> B", result, seconds);
    expect(result.failed).toBe(0);
    expect(result.sent).toBeGreaterThan(seconds * 10);
    for (const c of copies(sut)) expect(await tagOf(c.id)).toBe(TAG.b);
    // The workers were replaced too (same image): the 10 jobs queued before, 4 s of work, ran within their stop grace.
    expect(
      jobsDone(sut)
        .filter((j) => jobs.includes(j))
        .sort(),
    ).toEqual([...jobs].sort());
  });

  it("a release whose api never turns healthy fails, naming the copy, and the other copy keeps serving: 0 failed requests", async () => {
    const next = rerender(sut, withTag(TAG.broken));
    const loop = requestLoop(url, { everyMs: 50 });
    const error = await updateStack(sut, next, { log, daemon }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    // The api is still answered for a while after the failure, from the old copy alone.
    await new Promise((r) => setTimeout(r, 3_000));
    const result = await loop.stop();
    figure("rolling release to an api that never turns healthy", result);
    expect(error).toMatch(new RegExp(`${PREFIX}${LABEL.rolling}-api-1: container failed to be in healthy state`));
    expect(result.failed).toBe(0);
    const [first, second] = copies(sut);
    expect(first.initError).toBe(true);
    expect([await tagOf(second.id), (await inspectContainer(second.id)).State.Health.Status]).toEqual([TAG.b, "healthy"]);
  });

  it("`pulumi up` again with the previous tag replaces the failed copy, with 0 failed requests", async () => {
    const next = rerender(sut, withTag(TAG.b));
    const loop = requestLoop(url, { everyMs: 50 });
    await updateStack(sut, next, { log, daemon });
    const result = await loop.stop();
    figure("pulumi up again with the previous tag", result);
    expect(result.failed).toBe(0);
    for (const c of copies(sut)) {
      expect([c.initError, await tagOf(c.id), (await inspectContainer(c.id)).State.Health.Status]).toEqual([undefined, TAG.b, "healthy"]);
    }
  });

  it("a release whose image does not exist fails before any container is touched", async () => {
    const ids = [...sut.containers.values()].map((c) => c.id);
    const next = rerender(sut, withTag(TAG.missing));
    const loop = requestLoop(url, { everyMs: 50 });
    await expect(updateStack(sut, next, { log, daemon })).rejects.toThrow(`Unable to pull image ${APP}:${TAG.missing}`);
    const result = await loop.stop();
    expect(result.failed).toBe(0);
    expect([...sut.containers.values()].map((c) => c.id)).toEqual(ids);
    for (const c of sut.containers.values()) expect([c.inputs.name, (await inspectContainer(c.id)).State.Status]).toEqual([c.inputs.name, "running"]);
  });
});

describe("robotoff:app.api.release replace (compose's way): the same release, measured", () => {
  const stack = stackFor("replace");
  let sut: StackUnderTest;
  beforeAll(() => void (sut = stack.sut));

  it("releases tag A -> B with the api down while its one container is replaced", async () => {
    const url = `http://127.0.0.1:${PORT.replace}/api/v1/health`;
    // Nothing waits for the one api container at create (it has no dependent): until it answers.
    for (let i = 0; i < 60 && (await requestsFor(url, 100, 150)).failed > 0; i++) await new Promise((r) => setTimeout(r, 500));
    const before = await requestsFor(url, 50, 1_000);
    expect(before.failed).toBe(0);
    // Rendered first: the render blocks this process, and the loop with it.
    const next = rerender(sut, withTag(TAG.b));
    const loop = requestLoop(url, { everyMs: 50 });
    const t0 = Date.now();
    await updateStack(sut, next, { log, daemon });
    const seconds = (Date.now() - t0) / 1000;
    // Until the new container answers.
    await new Promise((r) => setTimeout(r, 3_000));
    const result = await loop.stop();
    figure("replace release A -> B (compose's way)", result, seconds);
    // The stand-in's gunicorn answers within a second of its start; the real api, once it has loaded its models.
    expect(result.failed).toBeGreaterThan(0);
    expect(result.longestGapMs).toBeGreaterThan(2 * 50);
  });
});

/** Runs a Python script in a container; its trimmed stdout, or an error with its stderr. */
async function python(container: string, script: string, timeoutMs = 60_000): Promise<string> {
  const r = await run("docker", ["exec", container, "python3", "-c", script], { timeoutMs });
  if (r.code !== 0) throw new Error(`python in ${container}: ${r.stderr}`);
  return r.stdout.trim();
}

describe("generation 2026-06: a release of every RQ worker and of the api, measured (issue 25, item 4)", () => {
  const stack = stackFor("rolling", "2026-06");
  let sut: StackUnderTest;
  beforeAll(() => void (sut = stack.sut));
  const byService = (service: string) => [...sut.containers.values()].find((c) => c.inputs.networksAdvanced[0].aliases[0] === service)!;
  const JOBS = 240;
  const SECONDS = 1;

  it(`releases tag A -> B while ${JOBS} jobs of ${SECONDS} s wait in Redis: every job done once, none lost, none run twice; the api answers throughout`, async () => {
    const workers = [...sut.containers.values()].filter((c) => /^worker-/.test(c.inputs.networksAdvanced[0].aliases[0]));
    expect(workers).toHaveLength(8);
    const before = new Map(workers.map((w) => [w.inputs.name, w.id]));
    const queues = [...[1, 2, 3, 4, 5, 6].map((n) => `robotoff-high-${n}`), "robotoff-ml-model", "robotoff-low"];
    // Enqueued from a worker's container (the app's image, the stack's REDIS_HOST), spread over every queue.
    const enqueue = [
      "import os, redis, rq",
      'r = redis.Redis(host=os.environ["REDIS_HOST"], port=6379)',
      'r.delete("robotoff-stand-in:done")',
      `qs = ${JSON.stringify(queues)}`,
      `for i in range(${JOBS}): rq.Queue(qs[i % len(qs)], connection=r).enqueue("robotoff.jobs.work", f"job-{i}", ${SECONDS}, job_timeout=600)`,
      "print(sum(rq.Queue(q, connection=r).count for q in qs))",
    ].join("\n");
    expect(Number(await python(byService("worker-1").id, enqueue))).toBeGreaterThan(JOBS / 2);
    const url = `http://127.0.0.1:${PORT.g26}/api/v1/health`;
    // Rendered first: the render blocks this process, and the loop with it.
    const next = rerender(sut, withTag(TAG.b));
    const loop = requestLoop(url, { everyMs: 50 });
    const t0 = Date.now();
    await updateStack(sut, next, { log, daemon });
    const seconds = (Date.now() - t0) / 1000;
    const requests = await loop.stop();
    figure("2026-06 rolling release A -> B (api, migrations, 8 workers)", requests, seconds);
    // Every worker is a new container, on tag B.
    for (const w of [...sut.containers.values()].filter((c) => /^worker-/.test(c.inputs.networksAdvanced[0].aliases[0]))) {
      expect([w.inputs.name, w.id === before.get(w.inputs.name), await tagOf(w.id)]).toEqual([w.inputs.name, false, TAG.b]);
    }
    // Until every queue is empty and no worker holds a job (or 5 minutes); then what ran, once each or more.
    const count = [
      "import os, time, redis, rq",
      "from rq.registry import StartedJobRegistry, FailedJobRegistry",
      'r = redis.Redis(host=os.environ["REDIS_HOST"], port=6379)',
      `qs = [rq.Queue(q, connection=r) for q in ${JSON.stringify(queues)}]`,
      "busy = lambda: sum(q.count + len(StartedJobRegistry(queue=q)) for q in qs)",
      "deadline = time.time() + 300",
      "while busy() and time.time() < deadline: time.sleep(1)",
      'done = [x.decode() for x in r.lrange("robotoff-stand-in:done", 0, -1)]',
      "failed = sum(len(FailedJobRegistry(queue=q)) for q in qs)",
      "print(len(done), len(set(done)), failed, busy())",
    ].join("\n");
    const [ran, distinct, failed, left] = (await python(byService("worker-1").id, count, 400_000)).split(" ").map(Number);
    log(
      `[figure] 2026-06 release of every worker: ${JOBS} jobs of ${SECONDS} s enqueued before it, ${distinct} done, ${JOBS - distinct} lost, ${ran - distinct} run twice, ${failed} failed in RQ, ${left} left; release took ${seconds.toFixed(1)} s`,
    );
    expect({ distinct, lost: JOBS - distinct, twice: ran - distinct, failed, left }).toEqual({ distinct: JOBS, lost: 0, twice: 0, failed: 0, left: 0 });
    expect(requests.failed).toBe(0);
    // The release ran the migrations again (a new app image), before the app's containers were replaced.
    const pg = byService("postgres");
    const runs = await run("docker", [
      "exec",
      pg.id,
      "psql",
      "-h",
      "127.0.0.1",
      "-U",
      "postgres",
      "-d",
      "robotoff",
      "-tAc",
      "select count(*) from robotoff_stand_in_migrations",
    ]);
    expect(runs.stdout.trim()).toBe("2");
  }, 900_000);
});

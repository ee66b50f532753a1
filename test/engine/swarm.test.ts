/**
 * The swarm target on the real Engine (issue 13): test/fixtures/Pulumi.staging-swarm.yaml with the tier's
 * names, replayed as the provider creates Swarm services (swarm-replay.ts) on a single-node swarm this file
 * creates (and leaves) when the Engine is in none. This kernel has no IPVS: names resolve by DNS round
 * robin (endpointMode dnsrr) and ports are published in host mode; the VIP and the ingress mesh are not
 * exercised. Everything it creates carries PREFIX and is removed at the end, also on failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { main as livecheck } from "../../tools/livecheck";
import { main as ops } from "../../tools/ops";
import { runMain } from "../in-process";
import { engine, engineAnswers } from "./engine-api";
import { anyOverlap, beganEarly, type Timeline } from "./steps";
import { applySwarm, deleteService, plannedServiceChange, readService, runningReplicas, updateService, upSwarmAgain, type ServiceInputs } from "./swarm-replay";
import { MODELS_CONFIG, PREFIX, PROJECT_DIR, renderForEngine, tierConfig } from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";
import { removeSwarmObjects, SWARM_MARKER } from "./leftovers";
import type { EngineRender } from "./render-json";
import { requestLoopIn, type RequestLoop } from "./request-loop";

const log = (line: string) => process.stdout.write(`[swarm] ${line}\n`);
const LABEL = "swarm";
const APP_IMAGE = `${PREFIX}${LABEL}/robotoff`;
const NODE_LABELS = { postgres: `${PREFIX}swarm.postgres=true`, elasticsearch: `${PREFIX}swarm.elasticsearch=true`, tfServing: `${PREFIX}swarm.ml=true` };
const SERVICE = "docker:index/service:Service";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** When this file started (whole seconds: the Engine's CreatedAt has no fraction). */
const STARTED = Math.floor(Date.now() / 1000) * 1000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Runs a command, failing with its output when it fails. */
async function sh(script: string, timeoutMs = 120_000): Promise<string> {
  const r = await run("sh", ["-c", script], { timeoutMs });
  if (r.code !== 0) throw new Error(`${script}: exit ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const state = {
  createdSwarm: false,
  hadGwBridge: false,
  hostRoot: "",
  files: [] as string[],
  tags: [] as string[],
  standInTags: [] as string[],
  services: new Map<string, { id: string; inputs: ServiceInputs }>(),
  secrets: [] as string[],
  configs: [] as string[],
  networks: [] as string[],
  steps: new Map() as Timeline,
  ids: new Map<string, string>(),
  before: [] as { id: string; name: string }[],
  nodeId: "",
  tfPort: 0,
  render: undefined as unknown as EngineRender,
  applyError: undefined as unknown,
};

const runningContainers = async () =>
  (await engine<any[]>({ method: "GET", path: "/containers/json" })).map((c) => ({ id: c.Id as string, name: (c.Names[0] as string).slice(1) }));

/** The stack file for a tag of the app image (and the tier's names, folders and Swarm overrides). */
function stackFile(tag: string): string {
  const fixture = load(readFileSync(join(PROJECT_DIR, "test/fixtures/Pulumi.staging-swarm.yaml"), "utf8")) as Record<string, any>;
  const cfg = tierConfig(fixture, state.hostRoot, LABEL);
  const c = cfg.config;
  c["robotoff:swarm"] = {
    ...c["robotoff:swarm"],
    replicas: { api: 2, workers: 2 },
    nodeLabels: NODE_LABELS,
    endpointMode: "dnsrr",
    publishMode: "host",
    updateMonitor: "5s",
  };
  c["robotoff:app"] = {
    ...c["robotoff:app"],
    image: APP_IMAGE,
    tag,
    // No host port for the api (the Engine is shared): start-first needs none on one node.
    api: { expose: { http: null }, healthcheck: { interval: "3s", startPeriod: "5s", retries: 3 } },
  };
  c["robotoff:postgres"] = { ...c["robotoff:postgres"], healthcheck: { interval: "2s" } };
  // This sandbox's daemon cannot give unlimited memlock: the config's other choice, memory locking off.
  c["robotoff:elasticsearch"] = { memoryLock: false, healthcheck: { interval: "2s" } };
  c["robotoff:tfServing"] = { allowRemoteAccess: true, expose: { grpc: null, rest: String(state.tfPort) }, healthcheck: { interval: "2s" } };
  const file = join(state.hostRoot, `..`, `${PREFIX}${LABEL}-${tag}.yaml`);
  writeFileSync(file, dump(cfg));
  state.files.push(file);
  return file;
}

const servicesOf = (render: EngineRender) => render.resources.filter((r) => r.type === SERVICE);
const aliasOf = (inputs: ServiceInputs) => inputs.taskSpec.networksAdvanceds[0].aliases[0] as string;
const byAlias = (alias: string) => [...state.services.values()].find((s) => aliasOf(s.inputs) === alias)!;
const tasksOf = (id: string) => engine<any[]>({ method: "GET", path: "/tasks", query: { filters: JSON.stringify({ service: [id] }) } });
async function runningContainerOf(alias: string): Promise<string> {
  const task = (await tasksOf(byAlias(alias).id)).find((t) => t.Status.State === "running");
  if (!task) throw new Error(`no running task of ${alias}`);
  return task.Status.ContainerStatus.ContainerID;
}

/** Applies the render's Swarm resources in its order, as `pulumi up` on a fresh stack. */
const apply = (render: EngineRender) => applySwarm(render, state, { log });

/** `pulumi up` after a config change: each service whose inputs changed is updated, in the render's order. */
async function applyChanges(render: EngineRender): Promise<string[]> {
  const changed: string[] = [];
  for (const r of servicesOf(render)) {
    const current = state.services.get(r.key)!;
    if (JSON.stringify(current.inputs) === JSON.stringify(r.inputs)) continue;
    changed.push(aliasOf(r.inputs));
    await updateService(current.id, r.inputs, state.ids, { log });
    state.services.set(r.key, { id: current.id, inputs: r.inputs });
  }
  return changed;
}

beforeAll(async () => {
  if (!(await engineAnswers())) throw new Error("no Docker Engine answers on this machine");
  state.before = await runningContainers();
  const info = await engine({ method: "GET", path: "/info" });
  if (info.Swarm.LocalNodeState === "inactive") {
    state.hadGwBridge = (await engine<any[]>({ method: "GET", path: "/networks" })).some((n) => n.Name === "docker_gwbridge");
    await sh("docker swarm init --advertise-addr 127.0.0.1");
    state.createdSwarm = true;
    log("created a single-node swarm (docker swarm init --advertise-addr 127.0.0.1)");
  } else log(`the Engine is already in a swarm (${info.Swarm.LocalNodeState}): using it, and leaving it as found`);
  state.nodeId = (await engine({ method: "GET", path: "/info" })).Swarm.NodeID;
  // Marks the swarm as this tier's, so that a run after an interrupted one leaves it (leftovers.ts).
  if (state.createdSwarm) await sh(`docker node update --label-add ${SWARM_MARKER}=1 ${state.nodeId}`);
  await removeSwarmObjects(log);
  await sh(
    `docker node update ${Object.values(NODE_LABELS)
      .map((l) => `--label-add ${l}`)
      .join(" ")} ${state.nodeId}`,
  );

  state.hostRoot = mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-`));
  state.tfPort = await freePort();
  state.render = renderForEngine("staging-2022", stackFile("v1"));
  // The host folders the services bind (an operator's preparation on each node), and tf_serving's models.config.
  for (const s of servicesOf(state.render)) {
    for (const m of s.inputs.taskSpec.containerSpec.mounts.filter((x: any) => x.type === "bind")) {
      mkdirSync(m.source, { recursive: true });
      if (m.target === "/models") writeFileSync(join(m.source, "models.config"), MODELS_CONFIG);
    }
  }
  const images = { ...state.render.outputs.images } as Record<string, string>;
  state.standInTags.push(...(await ensureStandIns(images, { log, extraTags: { probe: `${PREFIX}stand-in/probe:1` } })).created);
  // v2: the same image under a new tag (a release); broken: an api that never answers its healthcheck.
  await sh(`docker tag ${APP_IMAGE}:v1 ${APP_IMAGE}:v2`);
  const context = mkdtempSync(join(tmpdir(), `${PREFIX}broken-`));
  writeFileSync(join(context, "Dockerfile"), `FROM ${APP_IMAGE}:v1\nUSER root\nRUN sed -i 's/5500/5599/' /opt/robotoff/gunicorn.py\nUSER off\n`);
  await run("docker", ["build", "-q", "-t", `${APP_IMAGE}:broken`, context], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
  rmSync(context, { recursive: true, force: true });
  state.tags.push(`${APP_IMAGE}:v2`, `${APP_IMAGE}:broken`);

  try {
    await apply(state.render);
  } catch (err) {
    state.applyError = err;
    log(`apply failed: ${err}`);
  }
}, 1_200_000);

afterAll(async () => {
  for (const s of [...state.services.values()].reverse()) await deleteService(s.id, s.inputs).catch((e) => log(`delete ${s.inputs.name}: ${e}`));
  await removeSwarmObjects(log);
  // Task containers go away asynchronously after their service.
  for (let i = 0; i < 60 && (await runningContainers()).some((c) => c.name.startsWith(PREFIX)); i++) await sleep(1000);
  for (const kind of ["secrets", "configs"] as const) {
    const names = kind === "secrets" ? state.secrets : state.configs;
    for (const n of names) await engine({ method: "DELETE", path: `/${kind}/${encodeURIComponent(n)}` }).catch(() => undefined);
  }
  for (const n of state.networks) await engine({ method: "DELETE", path: `/networks/${encodeURIComponent(n)}` }).catch((e) => log(`network ${n}: ${e}`));
  const volumes = (await engine<{ Volumes: any[] | null }>({ method: "GET", path: "/volumes" })).Volumes ?? [];
  for (const v of volumes.filter((x) => x.Name.startsWith(PREFIX)))
    await engine({ method: "DELETE", path: `/volumes/${encodeURIComponent(v.Name)}`, query: { force: true } }).catch((e) => log(`volume ${v.Name}: ${e}`));
  // Tasks got unnamed volumes for their images' VOLUMEs; those left dangling since this file started are its own.
  const dangling =
    (await engine<{ Volumes: any[] | null }>({ method: "GET", path: "/volumes", query: { filters: JSON.stringify({ dangling: ["true"] }) } })).Volumes ?? [];
  for (const v of dangling.filter((x) => /^[0-9a-f]{64}$/.test(x.Name) && Date.parse(x.CreatedAt) >= STARTED)) {
    await engine({ method: "DELETE", path: `/volumes/${v.Name}` }).catch((e) => log(`volume ${v.Name}: ${e}`));
  }
  if (state.nodeId) await run("docker", ["node", "update", ...Object.values(NODE_LABELS).flatMap((l) => ["--label-rm", l.split("=")[0]]), state.nodeId]);
  for (const t of state.tags) await run("docker", ["image", "rm", "--no-prune", t]);
  await removeStandInTags(state.standInTags);
  if (state.createdSwarm) {
    await sh("docker swarm leave --force");
    // swarm init created docker_gwbridge too, and leave keeps it: removed when no container uses it.
    if (!state.hadGwBridge) await engine({ method: "DELETE", path: "/networks/docker_gwbridge" }).catch((e) => log(`docker_gwbridge: ${e}`));
    log("left the swarm this run created");
  }
  for (const f of state.files) rmSync(f, { force: true });
  if (state.hostRoot) rmSync(state.hostRoot, { recursive: true, force: true });
}, 600_000);

describe("swarm: on a single-node swarm", () => {
  it("leaves the containers that ran before swarm init running (other developers' containers)", async () => {
    const now = new Set((await runningContainers()).map((c) => c.id));
    expect(state.before.filter((c) => !c.name.startsWith(PREFIX) && !now.has(c.id))).toEqual([]);
  });

  it("creates the overlay network, the secrets, the statsd config and every service without an error, each once everything it waits for runs healthy", () => {
    expect(state.applyError).toBeUndefined();
    expect([...state.services.values()].map((s) => s.inputs.name).sort()).toEqual(
      servicesOf(state.render)
        .map((r) => r.inputs.name)
        .sort(),
    );
    expect(beganEarly(state.render.resources, state.steps)).toEqual([]);
    // As pulumi up: services that wait for none of each other converge at the same time (the data services).
    expect(anyOverlap(servicesOf(state.render).map((r) => state.steps.get(r.key)!))).toBe(true);
  });

  it("converges every service: as many running tasks as replicas, healthy where there is a healthcheck", async () => {
    for (const s of state.services.values()) {
      const { running, replicas } = await runningReplicas(s.id);
      expect([s.inputs.name, running]).toEqual([s.inputs.name, replicas]);
      for (const t of (await tasksOf(s.id)).filter((x) => x.Status.State === "running")) {
        const c = await engine({ method: "GET", path: `/containers/${t.Status.ContainerStatus.ContainerID}/json` });
        expect([s.inputs.name, c.State.Health?.Status]).toEqual([s.inputs.name, s.inputs.taskSpec.containerSpec.healthcheck ? "healthy" : undefined]);
      }
    }
    expect((await runningReplicas(byAlias("api").id)).running).toBe(2);
  });

  it("a second pulumi up of the same render finds nothing to change, as kreuzwerker v4.5.0 reads each service back (issue 24)", async () => {
    const versions = async () =>
      Promise.all([...state.services.values()].map(async (s) => (await engine({ method: "GET", path: `/services/${s.id}` })).Version.Index));
    const before = await versions();
    expect(await upSwarmAgain(state.render, state, { log })).toEqual([]);
    expect(await versions()).toEqual(before);
  });

  it("would update postgres on every deploy were its durations and restart policy written otherwise than the provider reads them back", async () => {
    const pg = byAlias("postgres");
    const live = (await readService(pg.id, pg.inputs.name))!;
    const t = pg.inputs.taskSpec;
    const asBefore = {
      ...pg.inputs,
      taskSpec: { ...t, containerSpec: { ...t.containerSpec, stopGracePeriod: "2m0s" }, restartPolicy: { condition: t.restartPolicy.condition } },
    };
    expect(plannedServiceChange(live, asBefore, state.ids)).toEqual({
      changed: ["taskSpec.containerSpec.stopGracePeriod", "taskSpec.restartPolicy.delay", "taskSpec.restartPolicy.window"],
      replace: false,
    });
  });

  it("gives postgres a 1 GiB tmpfs at /dev/shm and pins it (and Elasticsearch, tf_serving) to the labelled node", async () => {
    const mounts = await sh(`docker exec ${await runningContainerOf("postgres")} grep ' /dev/shm ' /proc/mounts`);
    expect(mounts).toMatch(/^tmpfs \/dev\/shm tmpfs .*size=1048576k/);
    for (const alias of ["postgres", "elasticsearch", "tf_serving"]) {
      const spec = (await engine({ method: "GET", path: `/services/${byAlias(alias).id}` })).Spec;
      expect([alias, spec.TaskTemplate.Placement.Constraints]).toEqual([alias, [expect.stringMatching(/^node\.labels\.rbt-|^node\.labels\./)]]);
      expect((await tasksOf(byAlias(alias).id)).filter((t) => t.Status.State === "running").map((t) => t.NodeID)).toEqual([state.nodeId]);
    }
  });

  it("runs Elasticsearch with memory locking off, as its config chose (no memlock warning)", async () => {
    const logs = await sh(`docker logs ${await runningContainerOf("elasticsearch")} 2>&1`);
    expect(logs).toContain("limits: memlock");
    expect(logs).not.toContain("WARNING: bootstrap.memory_lock=true");
  });

  it("delivers the secrets as files, bridged into the environment, and shows none in docker service inspect", async () => {
    const secrets = state.render.resources.filter((r) => r.type === "docker:index/secret:Secret");
    const values = secrets.map((s) => Buffer.from(s.inputs.data, "base64").toString("utf8"));
    const inspect = await sh(`docker service inspect ${[...state.services.values()].map((s) => s.id).join(" ")}`);
    for (const v of values) expect(inspect.includes(v), `a secret value in docker service inspect`).toBe(false);
    const password = values[secrets.findIndex((s) => s.inputs.name.endsWith("-postgresPassword-v1"))];
    const api = await runningContainerOf("api");
    expect(await sh(`docker exec ${api} cat /run/secrets/postgresPassword`)).toBe(password);
    const environ = (await sh(`docker exec ${api} cat /proc/1/environ | tr '\\0' '\\n'`)).split("\n");
    expect(environ).toContain(`POSTGRES_PASSWORD=${password}`);
    // The exporter's DSN (password URI-encoded in it) authenticates against the real server.
    let exporterLogs = "";
    for (let i = 0; i < 30 && !/connected to/.test(exporterLogs); i++, await sleep(1000))
      exporterLogs = await sh(`docker logs ${await runningContainerOf("postgres_exporter")} 2>&1`);
    expect(exporterLogs).toMatch(/connected to/);
  }, 60_000);

  it("resolves the api by DNS round robin to each of its tasks, which answer their health endpoint", async () => {
    const network = state.networks[0];
    const out = await sh(
      `docker run --rm --network ${network} ${PREFIX}stand-in/probe:1 sh -c 'getent ahostsv4 api | cut -d" " -f1 | sort -u; wget -q -O - http://api:5500/api/v1/health'`,
    );
    const ips = out.split("\n").filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l.trim()));
    expect(ips.length).toBe(2);
    expect(out).toMatch(/status|ok|healthy/i);
  }, 60_000);

  it("publishes tf_serving's REST port in host mode on this node", async () => {
    const status = await sh(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${state.tfPort}/v1/models/universal-logo-detector`);
    expect(status).toBe("200");
  });

  /** One GET every 50 ms to the api from a container on the overlay (no published port: no IPVS here), by name. */
  const apiRequests = (): Promise<RequestLoop> =>
    requestLoopIn(state.networks[0], `${APP_IMAGE}:v1`, `${PREFIX}swarm-requests`, "http://api:5500/api/v1/health", 50);
  const figure = (what: string, r: { sent: number; failed: number; longestGapMs: number; failures: readonly string[] }) =>
    log(
      `[figure] ${what}: ${r.sent} requests, ${r.failed} failed, longest gap between answers ${r.longestGapMs} ms${r.failures.length ? `; first failures: ${r.failures.slice(0, 3).join(", ")}` : ""}`,
    );

  it("rolls a tag bump out start-first: never fewer than 2 running api tasks, each old one stopped after its replacement ran healthy; 0 failed requests", async () => {
    const render = renderForEngine("staging-2022", stackFile("v2"));
    const api = byAlias("api");
    const requests = await apiRequests();
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push((await tasksOf(api.id)).filter((t) => t.Status.State === "running").length);
        await sleep(250);
      }
    })();
    let changed: string[] = [];
    try {
      changed = await applyChanges(render);
      // The provider may return between two slots (as many running as replicas): wait for Swarm's own end.
      for (let i = 0; i < 180 && (await engine({ method: "GET", path: `/services/${api.id}` })).UpdateStatus?.State !== "completed"; i++) await sleep(1000);
    } finally {
      sampling = false;
      await sampler;
    }
    // Until the old tasks are gone too: their stop is part of the release.
    for (let i = 0; i < 60 && (await tasksOf(api.id)).some((t) => t.DesiredState !== "running" && t.Status.State === "running"); i++) await sleep(1000);
    const result = await requests.stop();
    figure("swarm start-first release v1 -> v2", result);
    expect(result.failed).toBe(0);
    expect(result.sent).toBeGreaterThan(100);
    expect(changed.sort()).toEqual(["api", "scheduler", "workers"]);
    expect((await engine({ method: "GET", path: `/services/${api.id}` })).UpdateStatus.State).toBe("completed");
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2);
    // Swarm completes the update once the new tasks run; the old ones may still be within their stop grace
    // (the real image's PID 1 is a shell that ignores SIGTERM: see the stand-ins' README).
    let tasks = await tasksOf(api.id);
    for (let i = 0; i < 60 && tasks.some((t) => t.DesiredState !== "running" && t.Status.State === "running"); i++, await sleep(1000))
      tasks = await tasksOf(api.id);
    for (const slot of [1, 2]) {
      const inSlot = tasks.filter((t) => t.Slot === slot);
      const fresh = inSlot.find((t) => t.DesiredState === "running" && t.Status.State === "running")!;
      const old = inSlot.find((t) => t.Spec.ContainerSpec.Image.endsWith(":v1"))!;
      expect(fresh.Spec.ContainerSpec.Image).toBe(`${APP_IMAGE}:v2`);
      expect(["shutdown", "complete"]).toContain(old.Status.State);
      // The new task's running state (reached once healthy) came before the old one's stop.
      expect(Date.parse(old.Status.Timestamp)).toBeGreaterThanOrEqual(Date.parse(fresh.Status.Timestamp));
    }
  }, 600_000);

  it("rolls an update whose healthcheck fails back to the old spec by itself, with 0 failed requests; the deploy fails, or else livecheck does", async () => {
    const render = renderForEngine("staging-2022", stackFile("broken"));
    const api = byAlias("api");
    const requests = await apiRequests();
    let error: unknown;
    try {
      await applyChanges(render);
    } catch (err) {
      error = err;
    }
    let service = await engine({ method: "GET", path: `/services/${api.id}` });
    for (let i = 0; i < 120 && ["updating", "rollback_started"].includes(service.UpdateStatus?.State); i++, await sleep(1000))
      service = await engine({ method: "GET", path: `/services/${api.id}` });
    const result = await requests.stop();
    figure("swarm release to an api that never turns healthy (rolled back)", result);
    expect(result.failed).toBe(0);
    expect(service.UpdateStatus.State).toBe("rollback_completed");
    expect(service.Spec.TaskTemplate.ContainerSpec.Image).toBe(`${APP_IMAGE}:v2`);
    const running = (await tasksOf(api.id)).filter((t) => t.Status.State === "running");
    expect(running.map((t) => t.Spec.ContainerSpec.Image)).toEqual([`${APP_IMAGE}:v2`, `${APP_IMAGE}:v2`]);
    // The provider fails the update once the rolled-back tasks run. It counts running tasks, though, and a poll
    // that falls between the new task's failure and Swarm's rollback finds the old one alone in its slot and
    // reports the update as done: then livecheck, which reads Swarm's verdict, is what fails the deploy.
    if (error) expect(String(error)).toMatch(/service rollback completed/);
    else log("the provider's poll fell between the failed task and Swarm's rollback: the update was reported as done");
    const check = await runMain(livecheck, ["--stack", "staging-2022", "--config-file", stackFile("broken")]);
    expect(check.code).toBe(1);
    expect(check.stdout.split("\n").find((l) => l.startsWith("api:"))).toMatch(
      /^api: DOWN \(2\/2 tasks, its last update failed and Swarm rolled it back: it runs the spec it had before \(rollback completed\): Failed .*unhealthy container.*; fix what the update changed, then pulumi up --refresh\)$/,
    );
    // The operator's way back: the previous release, deployed again. Swarm then forgets the failed update.
    const previous = servicesOf(renderForEngine("staging-2022", stackFile("v2"))).find((r) => aliasOf(r.inputs) === "api")!;
    await updateService(api.id, previous.inputs, state.ids, { log });
    state.services.set(previous.key, { id: api.id, inputs: previous.inputs });
    expect(["none", "completed"]).toContain((await engine({ method: "GET", path: `/services/${api.id}` })).UpdateStatus?.State ?? "none");
  }, 600_000);

  it("backs postgres up and restores it through docker exec on its task (pg_dump | pg_restore)", async () => {
    const pg = await runningContainerOf("postgres");
    const psql = (sql: string) => sh(`docker exec ${pg} psql -U postgres -d postgres -At -c "${sql}"`);
    await psql("CREATE TABLE swarm_backup_check (n int); INSERT INTO swarm_backup_check SELECT generate_series(1, 1000);");
    const dump = join(state.hostRoot, "postgres.dump");
    await sh(`docker exec ${pg} pg_dump -U postgres -Fc postgres > ${dump}`);
    await psql("DROP TABLE swarm_backup_check;");
    await sh(`docker exec -i ${pg} pg_restore -U postgres -d postgres < ${dump}`);
    expect(await psql("SELECT count(*), sum(n) FROM swarm_backup_check;")).toBe("1000|500500");
  }, 120_000);
});

// The operator commands, in this worker (test/in-process.ts), against the real swarm: the stack as deployed
// last (the v2 tag), through the docker CLI.
describe("swarm: npm run ops and npm run livecheck on it", () => {
  const stack = () => ["--stack", "staging-2022", "--config-file", stackFile("v2")];
  const lines = (text: string) => text.split("\n");

  it("livecheck: every service UP, with its running tasks", async () => {
    const r = await runMain(livecheck, stack());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout)).toContain("api: UP (2/2 tasks)");
    expect(lines(r.stdout)).toContain("workers: UP (2/2 tasks)");
    expect(lines(r.stdout).filter((l) => l.includes(": UP")).length).toBe(servicesOf(state.render).length);
  }, 120_000);

  it("ps: each service with its running and desired tasks", async () => {
    const r = await runMain(ops, [...stack(), "ps"]);
    expect(r.code, r.stderr).toBe(0);
    const row = (service: string) =>
      lines(r.stdout)
        .find((l) => l.startsWith(`${PREFIX}${LABEL}-${service} `))
        ?.split(/ {3,}/);
    expect(row("api")?.slice(1, 4)).toEqual(["api", "2/2 running", `${APP_IMAGE}:v2`]);
    expect(row("postgres")?.slice(1, 3)).toEqual(["postgres", "1/1 running"]);
  }, 120_000);

  it("stop scales the workers to 0 (livecheck then says so), start brings back their 2 tasks, healthy", async () => {
    const stop = await runMain(ops, [...stack(), "stop", "workers"]);
    expect([stop.code, stop.stdout]).toEqual([0, `workers: stopped (${PREFIX}${LABEL}-workers, 0 tasks)`]);
    const down = await runMain(livecheck, stack());
    expect(down.code).toBe(1);
    expect(lines(down.stdout), down.stdout).toContain("workers: DOWN (0/0 tasks, the stack asks for 2 (npm run ops -- start workers, or pulumi up))");
    const start = await runMain(ops, [...stack(), "start", "workers"]);
    expect([start.code, start.stdout]).toEqual([0, `workers: started (${PREFIX}${LABEL}-workers, 2 tasks)`]);
    expect(await runningReplicas(byAlias("workers").id)).toEqual({ running: 2, replicas: 2 });
  }, 300_000);

  it("backup takes a dump in the postgres_backup task; restore puts it back with the app scaled down meanwhile", async () => {
    const pg = await runningContainerOf("postgres");
    const psql = (sql: string) => sh(`docker exec ${pg} psql -U postgres -d postgres -At -c "${sql}"`);
    await psql("CREATE TABLE ops_backup_check (n int); INSERT INTO ops_backup_check SELECT generate_series(1, 10);");
    const backup = await runMain(ops, [...stack(), "backup"]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(existsSync(backup.stdout)).toBe(true);
    await psql("DROP TABLE ops_backup_check;");
    const restore = await runMain(ops, [...stack(), "restore", "--yes", backup.stdout]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(lines(restore.stdout).pop()).toMatch(/^restored postgres-.*\.dump into postgres$/);
    expect(await psql("SELECT count(*) FROM ops_backup_check;")).toBe("10");
    for (const role of ["api", "workers", "scheduler"]) {
      const { running, replicas } = await runningReplicas(byAlias(role).id);
      expect(running, role).toBe(replicas);
    }
  }, 600_000);
});

/**
 * The engine test tier (`npm run test:engine`): each stack's render applied to the real Docker Engine as
 * the provider applies it (replay.ts), with locally built stand-in images, then checked container by
 * container, then updated in place, then checked by livecheck and doctor. Everything it creates carries
 * PREFIX and is removed at the end, also on failure.
 */
import { anyOverlap, beganEarly } from "./steps";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { engine, engineAnswers, EngineError } from "./engine-api";
import { createBody, createContainer, deleteContainer, inspectContainer, updateBody, updateContainer } from "./replay";
import {
  applyStack,
  daemonUlimits,
  devDockerfile,
  LOWER_ULIMITS,
  PREFIX,
  prepareStack,
  PROJECT_DIR,
  removeStack,
  type StackUnderTest,
} from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[engine] ${line}\n`);
const MB = 1024 * 1024;
const PROBE = `${PREFIX}stand-in/probe:1`;

const STACKS: { stack: string; label: string; file?: string }[] = [
  { stack: "dev-2022", label: "dev" },
  { stack: "staging-2022", label: "staging" },
  { stack: "prod-2022", label: "prod" },
  { stack: "prod-2022", label: "twohosts", file: join(PROJECT_DIR, "test/fixtures/Pulumi.prod-two-hosts.yaml") },
  // Generation 2026-06 (issue 25): the three combinations upstream deploys.
  ...(["dev", "staging", "prod"] as const).map((env) => ({ stack: env, label: `g26${env}` })),
];

const usedReferences = new Set<string>();
let daemon: { nofile: number; memlockKb: number } | undefined;

beforeAll(async () => {
  if (!(await engineAnswers()))
    throw new Error("no Docker Engine answers on this machine: start dockerd (.ci/run does, or skips the tier with ROBOTOFF_SKIP_ENGINE=1)");
  await ensureStandIns({}, { log, extraTags: { probe: PROBE } });
  usedReferences.add(PROBE);
  daemon = await daemonUlimits(PROBE);
  log(
    `daemon limits: nofile ${daemon.nofile}, memlock ${daemon.memlockKb} KB; lowering ulimits: ${LOWER_ULIMITS ? "yes (ROBOTOFF_ENGINE_LOWER_ULIMITS=1)" : "no"}`,
  );
}, 1_200_000);

afterAll(async () => {
  // Every stack reference the tier used, whoever tagged it first (an interrupted run leaves its tags): left
  // behind, a real deploy on this host would run stand-ins. ROBOTOFF_ENGINE_KEEP_STAND_INS=1 keeps them.
  if (process.env.ROBOTOFF_ENGINE_KEEP_STAND_INS === "1") log(`keeping stand-in tags: ${[...usedReferences].join(", ")}`);
  else await removeStandInTags([...usedReferences]);
}, 300_000);

/** Runs a command in a running container; its exit code and output. */
async function execIn(id: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const r = await run("docker", ["exec", id, ...cmd], { timeoutMs: 60_000 });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

/** An HTTP GET to a published port from this machine. */
function httpStatus(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => s.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    let data = "";
    s.setTimeout(10_000, () => s.destroy());
    s.on("data", (d) => (data += d));
    s.on("close", () => resolve(data.split("\r\n")[0] ?? ""));
    s.on("error", (e) => resolve(`error: ${e.message}`));
  });
}

async function waitHealthy(id: string, seconds: number): Promise<string> {
  let status = "";
  for (let i = 0; i < seconds; i++) {
    status = (await inspectContainer(id)).State.Health?.Status ?? "none";
    if (status === "healthy") return status;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return status;
}

for (const { stack, label, file } of STACKS) {
  describe(`${label}: on the real Engine`, () => {
    let sut: StackUnderTest;
    let applyError: unknown;
    const containers = () => [...sut.containers.values()];
    const byService = (service: string) => containers().find((c) => c.inputs.networksAdvanced[0].aliases[0] === service)!;
    /** What holds the api's public port: the api, or the proxy in front of its copies (robotoff:app.api.release rolling). */
    const apiFront = () => byService("api_proxy") ?? byService("api");

    beforeAll(async () => {
      sut = await prepareStack(stack, label, file);
      const images = { ...sut.render.outputs.images } as Record<string, string>;
      const built = sut.render.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage" && r.inputs.build);
      for (const b of built) {
        // docker/dev.yml builds the app image: the tier's Dockerfile stands on the app's stand-in.
        const key = Object.keys(images).find((k) => images[k] === b.inputs.name)!;
        images[key] = `${PREFIX}stand-in/${key}:base`;
        writeFileSync(join(b.inputs.build.context, "Dockerfile"), devDockerfile(images[key]));
      }
      await ensureStandIns(images, { log });
      for (const reference of Object.values(images)) usedReferences.add(reference);
      try {
        await applyStack(sut, { log, daemon });
      } catch (err) {
        applyError = err;
      }
    }, 1_200_000);

    afterAll(async () => {
      if (sut) await removeStack(sut);
    }, 600_000);

    it("creates every container as the provider does, without an error, each once everything it waits for is done, and some side by side", () => {
      expect(applyError).toBeUndefined();
      const declared = sut.render.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs.name);
      expect(
        containers()
          .map((c) => c.inputs.name)
          .sort(),
      ).toEqual([...declared].sort());
      expect(beganEarly(sut.render.resources, sut.applied)).toEqual([]);
      // As pulumi up: containers that wait for none of each other are created at the same time (the data services).
      expect(anyOverlap(sut.render.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => sut.applied.get(r.key)!))).toBe(true);
    });

    const dev = stack === "dev-2022" || stack === "dev";
    if (dev)
      it("builds the dev image with the builder the stack names: the provider's ImageBuild on its Engine, which builds with BuildKit, to the target stage with the build args (issue 24)", async () => {
        const build = sut.render.resources.find((r) => r.type === "docker:index/remoteImage:RemoteImage" && r.inputs.build)!;
        expect(build.inputs.build.useLegacyBuilder).toBe(true);
        expect(sut.builders.get(build.inputs.name)).toBe("buildkit");
        const labels = (await engine<any>({ method: "GET", path: `/images/${encodeURIComponent(build.inputs.name)}/json` })).Config.Labels;
        const { OFF_UID, OFF_GID, PYTHON_VERSION } = build.inputs.build.buildArgs;
        expect([labels["org.openfoodfacts.robotoff.stage"], labels["org.openfoodfacts.robotoff.build-args"]]).toEqual([
          "runtime-dev",
          `${OFF_UID}:${OFF_GID}:${PYTHON_VERSION}`,
        ]);
      });

    it("runs every container, and those it waits for are healthy; a one-off task ran to its end, exit code 0", async () => {
      for (const c of containers()) {
        const state = (await inspectContainer(c.id)).State;
        if (c.inputs.attach) {
          expect([c.inputs.name, state.Status, state.ExitCode]).toEqual([c.inputs.name, "exited", 0]);
          continue;
        }
        expect([c.inputs.name, state.Status]).toEqual([c.inputs.name, "running"]);
        if (c.inputs.wait) expect([c.inputs.name, state.Health?.Status]).toEqual([c.inputs.name, "healthy"]);
      }
    });

    it("has the Engine keep every field the replay sent (memory and shm in MB, swap, ulimits, read-only root, ports, binds, stop, healthcheck, tmpfs, labels)", async () => {
      for (const c of containers()) {
        const i = await inspectContainer(c.id);
        const sent = createBody(c.inputs, i.Image) as any;
        const h = i.HostConfig;
        const what = c.inputs.name;
        expect([what, h.Memory, h.MemorySwap]).toEqual([what, c.inputs.memory * MB, c.inputs.memorySwap * MB]);
        if (c.inputs.shmSize) expect([what, h.ShmSize]).toEqual([what, c.inputs.shmSize * MB]);
        expect([what, h.ReadonlyRootfs, h.Privileged, h.SecurityOpt]).toEqual([what, c.inputs.readOnly ?? false, false, ["no-new-privileges:true"]]);
        expect([what, h.RestartPolicy]).toEqual([what, sent.HostConfig.RestartPolicy]);
        // v4.5.0's network_mode default, which a refresh reads back (a v3.0.2 container kept "default").
        expect([what, h.NetworkMode]).toEqual([what, "bridge"]);
        expect([what, h.Ulimits ?? undefined]).toEqual([what, sent.HostConfig.Ulimits]);
        expect([what, h.PortBindings ?? {}]).toEqual([what, sent.HostConfig.PortBindings ?? {}]);
        expect([what, (h.Binds ?? []).sort()]).toEqual([what, (sent.HostConfig.Binds ?? []).sort()]);
        // Unset, the image's own STOPSIGNAL applies (postgres' SIGINT for a service in the postgres image).
        const imageStop = (await engine<any>({ method: "GET", path: `/images/${i.Image}/json` })).Config?.StopSignal || undefined;
        expect([what, i.Config.StopSignal || undefined, i.Config.StopTimeout]).toEqual([what, c.inputs.stopSignal ?? imageStop, c.inputs.stopTimeout]);
        expect([what, i.Config.Env.filter((e: string) => c.inputs.envs.includes(e)).length]).toEqual([what, c.inputs.envs.length]);
        expect([what, i.Config.Cmd ?? undefined]).toEqual([what, c.inputs.command ?? i.Config.Cmd ?? undefined]);
        if (c.inputs.entrypoints) expect([what, i.Config.Entrypoint]).toEqual([what, c.inputs.entrypoints]);
        // The Engine leaves out a zero duration (Go's omitempty): a start period of 0s reads as absent.
        const nonZero = (hc: any) => hc && Object.fromEntries(Object.entries(hc).filter(([, v]) => v !== 0));
        expect([what, nonZero(i.Config.Healthcheck ?? undefined)]).toEqual([what, nonZero(sent.Healthcheck)]);
        expect([what, h.Tmpfs ?? undefined]).toEqual([what, c.inputs.tmpfs]);
        expect([what, h.ExtraHosts ?? undefined]).toEqual([what, sent.HostConfig.ExtraHosts]);
        for (const l of c.inputs.labels ?? []) expect([what, i.Config.Labels?.[l.label]]).toEqual([what, l.value]);
      }
    });

    it("connects each container to its networks with its compose name as alias, and not to the default bridge", async () => {
      for (const c of containers()) {
        const nets = (await inspectContainer(c.id)).NetworkSettings.Networks;
        expect(Object.keys(nets)).not.toContain("bridge");
        for (const n of c.inputs.networksAdvanced) {
          const engineName = Object.keys(nets).find((k) => k === n.name || k.startsWith(`${n.name}.`));
          expect([c.inputs.name, engineName && nets[engineName].Aliases]).toEqual([c.inputs.name, expect.arrayContaining(n.aliases)]);
        }
      }
    });

    it("lets the app reach postgres and elasticsearch (and redis, 2026-06) by the names its environment gives", async () => {
      const api = byService("api");
      const env = Object.fromEntries(api.inputs.envs.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
      const targets: [string, number][] = [
        [env.POSTGRES_HOST, 5432],
        [env.ELASTICSEARCH_HOSTS ?? env.ELASTIC_HOST, 9200],
        ...(env.REDIS_HOST ? [[env.REDIS_HOST, 6379] as [string, number]] : []),
      ];
      expect(targets.every(([host]) => typeof host === "string" && host !== "")).toBe(true);
      for (const [host, port] of targets) {
        const r = await execIn(api.id, ["python3", "-c", `import socket; socket.create_connection(("${host}", ${port}), 5).close()`]);
        expect([host, r.code, r.output]).toEqual([host, 0, ""]);
      }
    });

    it("turns the api healthy, each copy where it runs two (its healthcheck really runs in the image)", async () => {
      const copies = containers().filter((c) => c.inputs.networksAdvanced[0].aliases[0] === "api");
      expect(copies.length).toBe(byService("api_proxy") ? 2 : 1);
      for (const c of copies) expect([c.inputs.name, await waitHealthy(c.id, 120)]).toEqual([c.inputs.name, "healthy"]);
    }, 240_000);

    it("answers on every address the api is published on, IPv4 and IPv6 alike (issue 9, finding 3), through the proxy in staging and prod", async () => {
      const ports = apiFront().inputs.ports as { external: number; ip: string }[];
      expect(ports.length).toBeGreaterThan(0);
      for (const p of ports) {
        const host = p.ip === "0.0.0.0" ? "127.0.0.1" : p.ip === "::" ? "::1" : p.ip;
        expect([host, await httpStatus(host, p.external, "/api/v1/health")]).toEqual([host, expect.stringMatching(/^HTTP\/1\.[01] 200/)]);
      }
    });

    if (!dev) {
      it("starts statsd on a read-only root with its mapping in place (issue 9, finding 1)", async () => {
        const statsd = byService("statsd");
        expect((await inspectContainer(statsd.id)).HostConfig.ReadonlyRootfs).toBe(true);
        // Byte for byte (the command runner trims output): the file's sha256 inside the container.
        const r = await execIn(statsd.id, ["sha256sum", "/statsd/statsd.conf"]);
        const want = createHash("sha256")
          .update(readFileSync(join(PROJECT_DIR, "monitoring/statsd.conf")))
          .digest("hex");
        expect(r.output.split(" ")[0]).toBe(want);
      });
      it("is right not to upload: the Engine refuses the provider's copy to `/` on a read-only root (the old way)", async () => {
        const statsd = byService("statsd");
        await expect(
          engine({ method: "PUT", path: `/containers/${statsd.id}/archive`, query: { path: "/" }, body: Buffer.alloc(1024), contentType: "application/x-tar" }),
        ).rejects.toThrow(/read-only/);
      });
    }

    if (label.startsWith("g26")) {
      const envOf = (c: { inputs: any }) => Object.fromEntries(c.inputs.envs.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
      // (execIn's output is trimmed, as the command runner trims it.)
      it("runs Elasticsearch 8 with its password: a request without it is refused (401), one with it answers", async () => {
        const api = byService("api");
        const { ELASTIC_HOST, ELASTIC_USER, ELASTIC_PASSWORD } = envOf(api);
        expect(ELASTIC_PASSWORD?.length).toBeGreaterThan(0);
        const probe = (auth: boolean) =>
          execIn(api.id, [
            "python3",
            "-c",
            [
              "import base64, os, sys, urllib.request, urllib.error",
              `r = urllib.request.Request("http://${ELASTIC_HOST}:9200/_cluster/health")`,
              auth ? `r.add_header("Authorization", "Basic " + base64.b64encode(("${ELASTIC_USER}:" + os.environ["ELASTIC_PASSWORD"]).encode()).decode())` : "",
              "try: print(urllib.request.urlopen(r, timeout=5).status)",
              "except urllib.error.HTTPError as e: print(e.code)",
            ].join("\n"),
          ]);
        expect(await probe(false)).toEqual({ code: 0, output: "401" });
        expect(await probe(true)).toEqual({ code: 0, output: "200" });
      });
      it("ran the migrations before any app container started, and init-elasticsearch with the password (upstream's make migrate-db, init-elasticsearch)", async () => {
        const pg = byService("postgres");
        const { POSTGRES_USER, POSTGRES_DB } = envOf(pg);
        const runs = await execIn(pg.id, [
          "psql",
          "-h",
          "127.0.0.1",
          "-U",
          POSTGRES_USER,
          "-d",
          POSTGRES_DB,
          "-tAc",
          "select count(*) from robotoff_stand_in_migrations",
        ]);
        expect(runs).toEqual({ code: 0, output: "1" });
        const ended = async (service: string) => new Date((await inspectContainer(byService(service).id)).State.FinishedAt).getTime();
        const started = async (service: string) => new Date((await inspectContainer(byService(service).id)).State.StartedAt).getTime();
        const done = Math.max(await ended("migrate-db"), await ended("init-elasticsearch"));
        for (const app of ["api", "update-listener", "worker-1", "worker-ml-1", "scheduler"]) expect([app, (await started(app)) >= done]).toEqual([app, true]);
        const logs = await run("docker", ["logs", byService("init-elasticsearch").id], { timeoutMs: 30_000 });
        const host = envOf(byService("init-elasticsearch")).ELASTIC_HOST;
        expect(logs.stderr).toContain(`init-elasticsearch (stand-in): indices in place (${host}:9200 answered 200)`);
      });
      it("keeps redis' append-only file on (REDIS_ARGS, given to redis-server as arguments)", async () => {
        const redis = byService("redis");
        expect(await execIn(redis.id, ["redis-cli", "config", "get", "appendonly"])).toEqual({ code: 0, output: "appendonly\nyes" });
      });
      it("runs a job enqueued on each worker's queues: real RQ workers on the stack's real Redis, one queue set each", async () => {
        const workers = containers().filter((c) => /^worker-/.test(c.inputs.networksAdvanced[0].aliases[0]));
        expect(workers.length).toBe(8);
        const w1 = byService("worker-1");
        // One job on each high-priority queue (only its own worker takes it) and one on the ML queue.
        const queues = [
          ...workers
            .map((w) => w.inputs.networksAdvanced[0].aliases[0])
            .filter((n) => !n.startsWith("worker-ml"))
            .map((n) => `robotoff-high-${n.slice(7)}`),
          "robotoff-ml-model",
        ];
        const script = [
          "import os, time, redis, rq",
          'r = redis.Redis(host=os.environ["REDIS_HOST"], port=6379)',
          'r.delete("robotoff-stand-in:done")',
          `qs = ${JSON.stringify(queues)}`,
          'for q in qs: rq.Queue(q, connection=r).enqueue("robotoff.jobs.work", q, 0.1)',
          "deadline = time.time() + 60",
          'while r.llen("robotoff-stand-in:done") < len(qs) and time.time() < deadline: time.sleep(0.2)',
          'print(" ".join(sorted(x.decode() for x in r.lrange("robotoff-stand-in:done", 0, -1))))',
        ].join("\n");
        const r = await execIn(w1.id, ["python3", "-c", script]);
        expect(r).toEqual({ code: 0, output: [...queues].sort().join(" ") });
      }, 120_000);
    }

    it("raises postgres' memory past twice its limit in place, as the provider's update sends it (issue 9, finding 2)", async () => {
      const pg = byService("postgres");
      const raised = { ...pg.inputs, memory: pg.inputs.memory * 3, memorySwap: pg.inputs.memorySwap * 3 };
      // Without the stated swap (the provider's update before the fix), the Engine refuses the raise.
      const { MemorySwap: _omitted, ...withoutSwap } = updateBody(raised) as any;
      await expect(engine({ method: "POST", path: `/containers/${pg.id}/update`, json: withoutSwap })).rejects.toThrow(/memoryswap/i);
      expect(await updateContainer(pg.id, pg.inputs, raised)).toBe(true);
      const after = await inspectContainer(pg.id);
      expect([after.Id, after.State.Status, after.HostConfig.Memory, after.HostConfig.MemorySwap]).toEqual([
        pg.id,
        "running",
        raised.memory * MB,
        raised.memorySwap * MB,
      ]);
      // Back to the stack's own limits: otherwise livecheck rightly reports the raise as drift.
      expect(await updateContainer(pg.id, raised, pg.inputs)).toBe(true);
      expect((await inspectContainer(pg.id)).HostConfig.Memory).toBe(pg.inputs.memory * MB);
    });

    it("changes the workers' restart policy in place", async () => {
      const w = byService("workers") ?? byService("worker-1");
      const changed = { ...w.inputs, restart: "on-failure", maxRetryCount: 3 };
      expect(await updateContainer(w.id, w.inputs, changed)).toBe(true);
      const after = await inspectContainer(w.id);
      expect([after.Id, after.State.Status, after.HostConfig.RestartPolicy]).toEqual([w.id, "running", { Name: "on-failure", MaximumRetryCount: 3 }]);
      expect(await updateContainer(w.id, changed, w.inputs)).toBe(true);
      expect((await inspectContainer(w.id)).HostConfig.RestartPolicy.Name).toBe(w.inputs.restart ?? "no");
    });

    it("livecheck finds every service up on these containers", async () => {
      const r = await run(
        process.execPath,
        ["--require", "./tools/register.js", "tools/livecheck/index.ts", "--stack", stack, "--config-file", sut.configFile],
        {
          cwd: PROJECT_DIR,
          timeoutMs: 300_000,
        },
      );
      const lines = r.stdout.split("\n");
      // One line per container: its service, and the copy's number for the api's copies (api-1, api-2).
      for (const c of containers()) {
        const service = c.inputs.name.slice(`${PREFIX}${label}-`.length);
        expect(lines, r.stderr).toContain(c.inputs.attach ? `${service}: UP (a one-off task, ran to completion: exit code 0)` : `${service}: UP`);
      }
      const port = apiFront().inputs.ports[0].external;
      expect(lines, r.stderr).toContainEqual(expect.stringMatching(new RegExp(`^api health: UP \\(http://[^ ]+:${port}/api/v1/health answered\\)$`)));
      expect([r.code, r.stderr]).toEqual([0, r.stderr]);
    }, 300_000);

    it("returns, at every path livecheck and ops ps read, the kind of value the inspect fixture the unit tests use holds", async () => {
      const fixture = JSON.parse(readFileSync(join(PROJECT_DIR, "test/fixtures/docker-inspect/dev-healthy.json"), "utf8")) as any[];
      const live = await Promise.all(containers().map((c) => inspectContainer(c.inputs.name)));
      const record = process.env.ROBOTOFF_ENGINE_RECORD_INSPECT;
      if (record && label === "dev") {
        // The fixture, recorded: this run's names and folders back to the dev stack's own.
        const text = [
          [sut.hostRoot, "/srv/robotoff"],
          [`${PREFIX}${label}-webnet`, "webnet"],
          [`${PREFIX}${label}-po_default`, "po_default"],
          [`${PREFIX}${label}-postgres-data`, "postgres-data"],
          [`${PREFIX}${label}-es-data`, "es-data"],
          [`${PREFIX}${label}-`, "robotoff-"],
        ].reduce((t, [from, to]) => t.replaceAll(from, to), JSON.stringify(live, null, 2));
        writeFileSync(record, `${text}\n`);
        log(`recorded the dev containers' inspect to ${record}`);
      }
      const kindAt = (doc: any, path: string) => {
        const v = path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), doc);
        return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
      };
      // tools/targets/containers/check.ts InspectedContainer and ps.ts PsContainer.
      const paths = [
        "Name",
        "Path",
        "Args",
        "State.Status",
        "State.Running",
        "State.Restarting",
        "State.OOMKilled",
        "State.ExitCode",
        "NetworkSettings.Ports",
        "HostConfig.Memory",
        "HostConfig.RestartPolicy.Name",
      ];
      for (const path of paths) expect(new Set(live.map((c) => kindAt(c, path))), path).toEqual(new Set(fixture.map((c) => kindAt(c, path))));
      const healthy = (docs: any[]) =>
        docs
          .filter((c) => c.State.Health)
          .map((c) => [
            kindAt(c, "State.Health.Status"),
            kindAt(c, "State.Health.Log"),
            kindAt(c.State.Health.Log[0], "Output"),
            kindAt(c.State.Health.Log[0], "ExitCode"),
          ]);
      expect(new Set(healthy(live).map(String))).toEqual(new Set(healthy(fixture).map(String)));
      // A published port as the fixture writes it: {HostIp, HostPort} strings, one per address.
      const published = live.flatMap((c) => Object.values(c.NetworkSettings.Ports ?? {}).flatMap((b: any) => b ?? []));
      expect(published.length).toBeGreaterThan(0);
      for (const b of published) expect(Object.keys(b).sort()).toEqual(["HostIp", "HostPort"]);
    }, 120_000);

    it("doctor checks the host these containers run on, and flags what this machine lacks", async () => {
      const r = await run(process.execPath, ["--require", "./tools/register.js", "tools/doctor/index.ts", "--stack", stack, "--config-file", sut.configFile], {
        cwd: PROJECT_DIR,
        timeoutMs: 300_000,
      });
      expect(r.stdout).toMatch(/^OK +local: Docker Engine /m);
      expect(r.stdout).toContain(`${sut.hostRoot}/datasets exists`);
      // df in the real probe image, read: this machine's figure, whatever it is.
      expect(r.stdout).toMatch(/^(OK|WARN|FAIL) +local: the Engine's data root \(volumes, images\) is \d+ % full, \d+\.\d GB free/m);
      const maxMapCount = Number(readFileSync("/proc/sys/vm/max_map_count", "utf8"));
      if (maxMapCount < 262144) expect(r.stdout).toContain(`vm.max_map_count is ${maxMapCount}, Elasticsearch needs 262144`);
      // What this dockerd refused to the tier (unless it was told to lower them), doctor must say before a deploy.
      const grants = daemon!.memlockKb === -1 && daemon!.nofile >= 262144;
      expect(r.stdout).toMatch(
        grants ? /OK +\S+: the Engine grants Elasticsearch's ulimits/ : /FAIL +\S+: the Engine cannot grant Elasticsearch's ulimits .*rlimit/,
      );
      // The stack's own containers hold its ports: that is no clash.
      expect(r.stdout).not.toMatch(/is held by container/);
      // This host runs the tier's stand-ins under the stack's references: a deploy here would not pull.
      const pulled = sut.render.resources.filter((x) => x.type === "docker:index/remoteImage:RemoteImage" && !x.inputs.build).map((x) => x.inputs.name);
      for (const reference of pulled) expect(r.stdout).toContain(`${reference} on this host is a test stand-in`);
    }, 300_000);
  });
}

describe("what the Engine refuses, that mocks cannot know", () => {
  it("leaves a container behind when its create's wait for health times out: the provider's init error, which #initerror replaces", async () => {
    const inputs = {
      name: `${PREFIX}initerror`,
      command: ["sleep", "60"],
      healthcheck: { tests: ["CMD", "false"], interval: "1s", timeout: "1s", retries: 1, startPeriod: "0s" },
      wait: true,
      waitTimeout: 4,
      memory: 64,
      memorySwap: 128,
    };
    const imageId = (await engine<{ Id: string }>({ method: "GET", path: `/images/${encodeURIComponent(PROBE)}/json` })).Id;
    try {
      await expect(createContainer(inputs, imageId)).rejects.toThrow(/failed to be in healthy state/);
      const left = await inspectContainer(inputs.name);
      expect([left.State.Status, left.State.Health.Status]).toEqual(["running", "unhealthy"]);
    } finally {
      await deleteContainer(inputs.name, inputs).catch(() => undefined);
    }
  });

  it("refuses an unlimited memlock on a daemon that cannot raise it (rlimit type 8), which doctor reports", async () => {
    if (daemon && daemon.memlockKb === -1) return; // a real host that grants it
    const r = await run("docker", ["run", "--rm", "--ulimit", "memlock=-1:-1", PROBE, "true"]);
    expect([r.code === 0, r.stderr]).toEqual([false, expect.stringMatching(/rlimit type 8|operation not permitted/)]);
  });
});

export { EngineError };

/**
 * staging on Docker Swarm (test/fixtures/Pulumi.staging-swarm.yaml): the compose facts of every service,
 * asserted on the docker.Service inputs the program registers, against the reference topology
 * (staging has prod's shape), plus what Swarm adds: replicas, pinning, rolling updates, secret files.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mockId, type RecordedResource, type Rendered } from "../tools/render/offline";
import { Secret } from "../tools/render/secret";
import { securePlaceholder } from "../tools/shared/stack-file";
import { parseDuration, shortDuration } from "../models/duration";
import { IMAGE_DEFAULTS } from "../services/swarm/image-defaults";
import { REFERENCE, SECRET, SERVICES_OF, STATSD_MAPPING } from "./fixtures/reference";
import { CONTAINER, IMAGE, NETWORK, VOLUME, keyOf, ofType, renderStack, beforeAllTests, stackFileWith } from "./harness";
import { validateRender } from "./policy-args";

const SERVICE = "docker:index/service:Service";
const DOCKER_SECRET = "docker:index/secret:Secret";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";
const MB = 1024 * 1024;
const FIXTURE = join(__dirname, "fixtures/Pulumi.staging-swarm.yaml");
const ref = REFERENCE.prod;

/** The Swarm service of a compose service, found by its DNS alias on the overlay network. */
function serviceOf(r: Rendered, service: string): RecordedResource {
  const found = ofType(r, SERVICE).filter((s) => (s.inputs.taskSpec as any).networksAdvanceds.some((n: any) => n.aliases.includes(service)));
  if (found.length !== 1) throw new Error(`${found.length} services with alias ${service}`);
  return found[0];
}
const containerSpec = (s: RecordedResource) => (s.inputs.taskSpec as any).containerSpec;
const decode = (data: unknown) => Buffer.from(String(data instanceof Secret ? data.value : data), "base64").toString("utf8");

let r: Rendered;
beforeAllTests(async () => {
  r = await renderStack("staging-2022", FIXTURE);
});

describe("staging on swarm: stack-wide resources", () => {
  it("runs the compose services as Swarm services, and no container, image pull or volume resource", () => {
    const aliases = ofType(r, SERVICE).map((s) => (s.inputs.taskSpec as any).networksAdvanceds[0].aliases[0]);
    expect(aliases.sort()).toEqual([...SERVICES_OF.prod].sort());
    // Each node pulls the image itself, and a volume lives on the node its pinned service runs on.
    expect([CONTAINER, IMAGE, VOLUME].map((t) => ofType(r, t).length)).toEqual([0, 0, 0]);
  });
  it("creates one attachable overlay network, named webnet", () => {
    expect(ofType(r, NETWORK).map((n) => n.inputs)).toEqual([{ name: "webnet", driver: "overlay", attachable: true }]);
  });
  it("passes the policy pack", async () => {
    expect(await validateRender(r, {})).toEqual([]);
  });
  it("builds each service inside a robotoff:swarm:Service component", () => {
    for (const s of ofType(r, SERVICE)) expect(s.parent).toMatch(/^robotoff:swarm:Service::/);
  });
});

describe("staging on swarm: secrets are files", () => {
  it("creates one docker.Secret per secret value, its data a Pulumi secret, its name versioned", () => {
    const secrets = ofType(r, DOCKER_SECRET);
    expect(secrets.map((s) => s.inputs.name).sort()).toEqual(
      ["influxdbPassword", "ipcAuthkey", "mongoUri", "offPassword", "postgresPassword", "postgres_exporter-DATA_SOURCE_NAME", "sentryDsn", "slackToken"]
        .map((k) => `robotoff-${k}-v1`)
        .sort(),
    );
    for (const s of secrets) expect(s.inputs.data, String(s.inputs.name)).toBeInstanceOf(Secret);
    expect(new Set(secrets.map((s) => s.parent))).toEqual(new Set(["robotoff:swarm:Deployment::robotoff"]));
    const pg = secrets.find((s) => s.inputs.name === "robotoff-postgresPassword-v1")!;
    expect(decode(pg.inputs.data)).toBe(securePlaceholder("robotoff:postgresPassword"));
    const dsn = secrets.find((s) => s.inputs.name === "robotoff-postgres_exporter-DATA_SOURCE_NAME-v1")!;
    const password = encodeURIComponent(securePlaceholder("robotoff:postgresPassword"));
    expect(decode(dsn.inputs.data)).toBe(`postgresql://postgres:${password}@postgres:5432/postgres?sslmode=disable`);
  });
  it("has each service mount each file from the docker.Secret made for it, by that secret's id and name", () => {
    const secrets = ofType(r, DOCKER_SECRET);
    const refs = ofType(r, SERVICE).flatMap((s) => (containerSpec(s).secrets ?? []).map((ref: any) => ({ service: s.name, ...ref })));
    expect(refs.length).toBe(3 + 3 * 7); // postgres, its exporter and its backup one each; api, workers and scheduler seven
    for (const { service, fileName, secretId, secretName } of refs) {
      const secret = secrets.find((x) => x.inputs.name === `robotoff-${fileName}-v1`);
      expect({ secretId, secretName }, `${service}: ${fileName}`).toEqual({ secretId: `${secret?.name}-id`, secretName: secret?.inputs.name });
    }
  });
  it("ships the statsd mapping as a docker.ServiceConfig named by its content", () => {
    // postgres_backup's script is the other file the stack ships (models/backup.ts).
    const configs = ofType(r, CONFIG).filter((c) => !String(c.inputs.name).startsWith("robotoff-postgres_backup-"));
    expect(configs.map((c) => decode(c.inputs.data))).toEqual([STATSD_MAPPING]);
    expect(String(configs[0].inputs.name)).toMatch(/^robotoff-statsd-statsd\.conf-[0-9a-f]{12}$/);
    expect(containerSpec(serviceOf(r, "statsd")).configs).toEqual([
      { configId: `${configs[0].name}-id`, configName: configs[0].inputs.name, fileName: "/statsd/statsd.conf" },
    ]);
  });
});

describe("staging on swarm: scheduling", () => {
  const replicas = { api: 2, workers: 3, scheduler: 1, postgres: 1, elasticsearch: 1, tf_serving: 1, statsd: 1, postgres_exporter: 1 };
  for (const [service, n] of Object.entries(replicas)) {
    it(`${service} runs ${n} replica(s) (robotoff:swarm.replicas)`, () => {
      expect(serviceOf(r, service).inputs.mode).toEqual({ replicated: { replicas: n } });
    });
  }
  const pinned = { postgres: "robotoff.postgres==true", elasticsearch: "robotoff.elasticsearch==true", tf_serving: "robotoff.ml==true" };
  for (const [service, constraint] of Object.entries(pinned)) {
    it(`${service} is pinned to its labelled node and replaced stop-first`, () => {
      const s = serviceOf(r, service);
      expect((s.inputs.taskSpec as any).placement).toEqual({ constraints: [`node.labels.${constraint}`] });
      expect((s.inputs.updateConfig as any).order).toBe("stop-first");
    });
  }
  it("rolls the api and the workers start-first, the scheduler stop-first", () => {
    expect(["api", "workers", "scheduler"].map((x) => (serviceOf(r, x).inputs.updateConfig as any).order)).toEqual([
      "start-first",
      "start-first",
      "stop-first",
    ]);
  });
  it("rolls back a failed update by itself, one task at a time, watching each for 30 s", () => {
    for (const s of ofType(r, SERVICE)) {
      expect(s.inputs.updateConfig).toMatchObject({ failureAction: "rollback", parallelism: 1, monitor: "30s" });
      expect(s.inputs.rollbackConfig).toMatchObject({ parallelism: 1, monitor: "30s", order: (s.inputs.updateConfig as any).order });
    }
  });
  it("publishes only the api, on 5500 through the ingress mesh, and resolves names through a VIP", () => {
    const published = ofType(r, SERVICE).filter((s) => (s.inputs.endpointSpec as any).ports.length > 0);
    expect(published.map((s) => s.inputs.name)).toEqual(["robotoff-api"]);
    expect(serviceOf(r, "api").inputs.endpointSpec).toEqual({
      mode: "vip",
      ports: [{ targetPort: 5500, publishedPort: 5500, protocol: "tcp", publishMode: "ingress" }],
    });
  });
});

for (const service of SERVICES_OF.prod) {
  const fact = ref[service as keyof typeof ref];
  describe(`staging on swarm: ${service}`, () => {
    const s = () => serviceOf(r, service);
    const c = () => containerSpec(s());
    const secretVars = Object.entries(fact.env)
      .filter(([, v]) => v === SECRET)
      .map(([k]) => k);

    it(`runs image ${fact.image}`, () => {
      expect(c().image).toBe(fact.image);
    });
    it("has every compose variable without a secret in its spec, and none with one", () => {
      const plain = Object.keys(fact.env).filter((k) => fact.env[k] !== SECRET && k !== "ROBOTOFF_FILE_0");
      expect(Object.keys(c().env).sort()).toEqual(plain.sort());
      expect(JSON.stringify(s().inputs)).not.toContain("<secure ");
    });
    it(
      secretVars.length ? `reads ${secretVars.join(", ")} from secret files before it runs its command` : "runs its compose entrypoint and command as they are",
      () => {
        const files = (c().secrets ?? []).map((x: any) => x.fileName);
        expect(files.length).toBe(secretVars.length);
        if (secretVars.length === 0) {
          // statsd: the image's entrypoint as such (its mapping is a config file, not written by a shell).
          expect(c().commands).toEqual(service === "statsd" ? ["/bin/statsd_exporter"] : fact.entrypoints);
          expect(c().args).toEqual(fact.command);
          return;
        }
        const [sh, dashC, script, ...exec] = c().commands;
        expect([sh, dashC]).toEqual(["/bin/sh", "-c"]);
        for (const v of secretVars) expect(script).toMatch(new RegExp(`${v}="\\$\\(cat '/run/secrets/[^']+'\\)" && export ${v}`));
        const image = IMAGE_DEFAULTS[{ postgres: "postgres", postgres_exporter: "postgres-exporter" }[service] ?? "robotoff"];
        expect(exec).toEqual([...(fact.entrypoints ?? image.entrypoint), ...(fact.command ?? (fact.entrypoints ? [] : image.cmd))]);
        expect(c().args).toBeUndefined();
      },
    );
    it("mounts the compose bind mounts and named volumes", () => {
      const mounts = c().mounts as any[];
      expect(mounts.filter((m) => m.type === "bind")).toEqual(
        fact.binds.map((b) => ({ type: "bind", source: b.hostPath, target: b.containerPath, readOnly: false })),
      );
      expect(mounts.filter((m) => m.type === "volume")).toEqual(
        fact.namedVolumes.map((v) => ({ type: "volume", source: v.volume, target: v.containerPath, readOnly: false })),
      );
    });
    it(fact.shmSizeMb ? `has shm_size ${fact.shmSizeMb} MB as a tmpfs at /dev/shm` : "has no tmpfs", () => {
      expect((c().mounts as any[]).every((m) => typeof m === "object" && ["bind", "volume", "tmpfs"].includes(m.type))).toBe(true);
      const tmpfs = (c().mounts as any[]).filter((m) => m.type === "tmpfs");
      expect(tmpfs).toEqual(fact.shmSizeMb ? [{ type: "tmpfs", target: "/dev/shm", tmpfsOptions: { sizeBytes: fact.shmSizeMb * MB } }] : []);
    });
    it(`has mem_limit ${fact.memoryMb} MB`, () => {
      expect((s().inputs.taskSpec as any).resources).toEqual({ limits: { memoryBytes: fact.memoryMb * MB } });
    });
    it(`restarts on any exit (restart ${fact.restart})`, () => {
      expect((s().inputs.taskSpec as any).restartPolicy).toEqual({
        condition: fact.restart === "always" ? "any" : fact.restart,
        delay: "0s",
        maxAttempts: 0,
        window: "0s",
      });
    });
    it("has the compose extra_hosts and read-only root", () => {
      expect(c().hosts).toEqual(fact.extraHosts);
      expect(c().readOnly).toBe(fact.readOnly);
    });
    it(`joins webnet by the network resource's id (not its name), with the DNS alias ${service}`, () => {
      const [network] = ofType(r, NETWORK);
      expect(network.inputs.name).toBe("webnet");
      expect((s().inputs.taskSpec as any).networksAdvanceds).toEqual([{ id: mockId(network.name), aliases: [service] }]);
    });
    it(fact.healthcheck ? "has the stack's healthcheck, its durations as the provider reads a service's back" : "has no healthcheck", () => {
      const h = fact.healthcheck;
      const short = (d: string) => shortDuration(parseDuration(d));
      expect(c().healthcheck).toEqual(h && { ...h, interval: short(h.interval), timeout: short(h.timeout), startPeriod: short(h.startPeriod) });
      if (h?.startPeriod === "1m0s") expect(c().healthcheck.startPeriod).toBe("1m");
    });
    it("stops with the stack's signal and grace", () => {
      const data = ["postgres", "elasticsearch"].includes(service);
      // "2m", not "2m0s": the provider reads a service's stop_grace_period back in that form (shortDur).
      expect([c().stopSignal, c().stopGracePeriod]).toEqual([service === "postgres" ? "SIGINT" : undefined, data ? "2m" : "10s"]);
    });
    it(`is created after ${fact.dependsOn.join(", ") || "the network only"} run healthy tasks, and waits for its own`, () => {
      const deps = s().options.dependsOn.map((d) => r.resources.find((x) => keyOf(x) === d)!);
      const names = deps.filter((d) => d.type === SERVICE).map((d) => (d.inputs.taskSpec as any).networksAdvanceds[0].aliases[0]);
      expect(names.sort()).toEqual([...fact.dependsOn].sort());
      const timeout = s().inputs.convergeConfig as any;
      expect(timeout.delay).toBe("2s");
      // `pulumi up` waits at least as long as the containers target waits for health.
      expect(parseDuration(timeout.timeout)).toBeGreaterThanOrEqual(fact.waitTimeout ?? 60);
    });
    it("is named like its container and deleted before it is replaced", () => {
      expect(s().inputs.name).toBe(`robotoff-${service}`);
      expect(s().options.deleteBeforeReplace).toBe(true);
    });
  });
}

describe("robotoff:tfServing.models on swarm", () => {
  const file = stackFileWith(FIXTURE, (c) => {
    c["robotoff:tfServing"] = { ...c["robotoff:tfServing"], models: [{ name: "logo", url: "https://example.org/logo.tar.gz", sha256: "a".repeat(64) }] };
  });
  it("runs tf_models once, pinned beside tf_serving (the models folder is node-local), and tf_serving after it", async () => {
    const services = ofType(await renderStack("staging-2022", file), "docker:index/service:Service");
    const byAlias = (alias: string) => services.find((s) => (s.inputs.taskSpec as any).networksAdvanceds[0].aliases[0] === alias)!;
    const [models, serving] = [byAlias("tf_models"), byAlias("tf_serving")];
    expect((models.inputs.mode as any).replicated.replicas).toBe(1);
    expect((models.inputs.taskSpec as any).placement).toEqual((serving.inputs.taskSpec as any).placement);
    expect((models.inputs.taskSpec as any).placement.constraints).toHaveLength(1);
    expect(serving.options.dependsOn).toContain(keyOf(models));
  });
});

describe("staging on swarm, with volumes named by the operator (robotoff:volumes)", () => {
  let named: Rendered;
  beforeAllTests(async () => {
    const file = stackFileWith(FIXTURE, (c) => {
      c["robotoff:volumes"] = { postgresData: { name: "robotoff_pg" }, esData: { name: "robotoff_es" } };
    });
    named = await renderStack("staging-2022", file);
  });
  it("mounts each data volume by the name it was given", () => {
    const volumes = (service: string) => containerSpec(serviceOf(named, service)).mounts.filter((m: any) => m.type === "volume");
    expect(volumes("postgres").map((m: any) => [m.source, m.target])).toEqual([["robotoff_pg", "/var/lib/postgresql/data"]]);
    expect(volumes("elasticsearch").map((m: any) => [m.source, m.target])).toEqual([["robotoff_es", "/usr/share/elasticsearch/data"]]);
  });
});

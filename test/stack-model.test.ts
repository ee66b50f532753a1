import type { StackConfig } from "../models/config";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../models/validate";
import { buildStackSpec, tfServingEntrypoint } from "../models/stack";
import { compactEnv, postgresCommand } from "../models/compose";
import { startOrder } from "../models/order";
import { secretSources, SECRET_KEYS } from "../models/secrets";
import type { ServiceSpec } from "../models/spec";

const base = { "robotoff:environment": "dev", "robotoff:hostRoot": "/srv/robotoff" };
const spec = (extra: Record<string, unknown> = {}, secrets = new Set(SECRET_KEYS)) =>
  buildStackSpec(
    parseStackConfig(
      { ...base, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) },
      "t",
    ) as StackConfig,
    secrets,
  );
const service = (s: ReturnType<typeof spec>, name: string) => s.services.find((x) => x.name === name)!;

describe("command lines", () => {
  it("splits the postgres command as compose does (postgres -c shared_buffers=1024MB -c work_mem=64MB)", () => {
    expect(postgresCommand({ shared_buffers: "1024MB", work_mem: "64MB" })).toEqual(["postgres", "-c", "shared_buffers=1024MB", "-c", "work_mem=64MB"]);
  });
  it("builds tf_serving's entrypoint from its two ports and the models folder, polling models.config", () => {
    expect(tfServingEntrypoint()).toEqual([
      "tensorflow_model_server",
      "--port=8500",
      "--rest_api_port=8501",
      "--model_config_file=/models/models.config",
      "--model_config_file_poll_wait_seconds=60",
    ]);
  });
});

describe("environment assembly", () => {
  it("drops unset variables, keeps empty ones, stringifies numbers and sorts by name", () => {
    expect(compactEnv({ B: undefined, C: "", A: 1 })).toEqual({ A: "1", C: "" });
    expect(Object.keys(compactEnv({ b: "1", A: "2", a: "3" }))).toEqual(["A", "a", "b"]);
  });
  it("passes a secret variable only when its secret has a value", () => {
    const without = service(spec({}, new Set(["postgresPassword"])), "api").env;
    expect(without.POSTGRES_PASSWORD).toEqual({ secret: "postgresPassword" });
    expect(without.SLACK_TOKEN).toBeUndefined();
  });
  it("qualifies POSTGRES_HOST and ELASTICSEARCH_HOSTS with the network name when asked (dev)", () => {
    const env = service(spec({ "robotoff:app": { networkQualifiedHosts: true }, "robotoff:networkName": "net2" }), "scheduler").env;
    expect(env.POSTGRES_HOST).toBe("postgres.net2");
    expect(env.ELASTICSEARCH_HOSTS).toBe("elasticsearch.net2");
  });
  it("passes robotoff:app.updatedProductWait as ROBOTOFF_UPDATED_PRODUCT_WAIT to the app, and nothing when unset", () => {
    for (const name of ["api", "workers", "scheduler"]) {
      expect(service(spec({ "robotoff:app": { updatedProductWait: 7.5 } }), name).env.ROBOTOFF_UPDATED_PRODUCT_WAIT).toBe("7.5");
      expect(service(spec(), name).env).not.toHaveProperty("ROBOTOFF_UPDATED_PRODUCT_WAIT");
    }
  });
  it("sets IPC_HOST to the workers' DNS name whatever the config", () => {
    expect(service(spec(), "api").env.IPC_HOST).toBe("workers");
  });
});

describe("dev image (docker/dev.yml)", () => {
  it("builds with OFF_UID and OFF_GID 1000 (the Dockerfile's defaults) when robotoff:dev sets neither", () => {
    const app = spec({ "robotoff:dev": { enabled: true } }).images.find((i) => i.key === "robotoff")!;
    expect(app.build?.args).toMatchObject({ OFF_UID: "1000", OFF_GID: "1000" });
  });
  it("builds with the uid and gid robotoff:dev gives", () => {
    const app = spec({ "robotoff:dev": { enabled: true, offUid: 501, offGid: 20 } }).images.find((i) => i.key === "robotoff")!;
    expect(app.build?.args).toMatchObject({ OFF_UID: "501", OFF_GID: "20" });
  });
});

describe("topology switches", () => {
  it("drops tf_serving and its image when robotoff:tfServing.enabled is false", () => {
    const s = spec({ "robotoff:tfServing": { enabled: false } });
    expect(s.services.map((x) => x.name)).not.toContain("tf_serving");
    expect(s.images.map((i) => i.key)).not.toContain("tf-serving");
  });
  it("mounts robotoff:tfServing.modelsDir when set", () => {
    const s = spec({ "robotoff:tfServing": { modelsDir: "/data/tf_models" } });
    expect(service(s, "tf_serving").binds).toEqual([{ hostPath: "/data/tf_models", containerPath: "/models", readOnly: false }]);
  });
  it("publishes nothing for a port whose binding is null", () => {
    const s = spec({ "robotoff:postgres": { expose: { postgres: null } } });
    expect(service(s, "postgres").ports).toEqual([]);
  });
  it("restores the reference's tf_serving ports on every interface with expose 8500/8501", () => {
    const s = spec({ "robotoff:tfServing": { expose: { grpc: "8500", rest: "8501" }, allowRemoteAccess: true } });
    expect(service(s, "tf_serving").ports).toEqual([
      { port: 8500, containerPort: 8500, protocol: "tcp", configKey: "tfServing.expose.grpc" },
      { port: 8501, containerPort: 8501, protocol: "tcp", configKey: "tfServing.expose.rest" },
    ]);
  });
});

describe("start order", () => {
  const svc = (name: any, dependsOn: any[] = []) => ({ name, dependsOn }) as unknown as ServiceSpec;
  it("puts each service after what it depends on", () => {
    const order = startOrder([svc("api", ["workers"]), svc("workers", ["postgres"]), svc("postgres")]).map((s) => s.name);
    expect(order).toEqual(["postgres", "workers", "api"]);
  });
  it("rejects a cycle and an unknown dependency", () => {
    expect(() => startOrder([svc("api", ["workers"]), svc("workers", ["api"])])).toThrow(/cycle: api -> workers -> api/);
    expect(() => startOrder([svc("api", ["nope"])])).toThrow(/nope/);
  });
});

describe("secret sources", () => {
  it("generates only postgresPassword and ipcAuthkey, and only in dev", () => {
    const dev = secretSources(new Set(), "dev");
    expect(
      Object.entries(dev)
        .filter(([, s]) => s === "generated")
        .map(([k]) => k)
        .sort(),
    ).toEqual(["ipcAuthkey", "postgresPassword"]);
    expect(Object.values(secretSources(new Set(), "prod")).every((s) => s === "absent")).toBe(true);
  });
  it("prefers config over generation", () => {
    expect(secretSources(new Set(["postgresPassword"]), "dev").postgresPassword).toBe("config");
  });
});

describe("restart policy", () => {
  it("gives every service a retry limit with on-failure only (the Engine refuses one with another policy)", () => {
    const onFailure = spec({ "robotoff:restartPolicy": "on-failure", "robotoff:restartMaxRetries": "3" });
    expect(onFailure.services.map((x) => [x.restart, x.restartMaxRetries])).toEqual(onFailure.services.map(() => ["on-failure", 3]));
    const always = spec({ "robotoff:restartPolicy": "always", "robotoff:restartMaxRetries": "3" });
    expect(always.services.filter((x) => x.restart !== "always" || "restartMaxRetries" in x)).toEqual([]);
  });
});

describe("names and hosts", () => {
  it("names each container <containerPrefix>-<service>, robotoff by default (compose's project name)", () => {
    expect(service(spec(), "postgres").containerName).toBe("robotoff-postgres");
    expect(service(spec({ "robotoff:containerPrefix": "rbt-t" }), "tf_serving").containerName).toBe("rbt-t-tf_serving");
  });
  it("keeps sshOpts only for a host reached over a url", () => {
    const s = spec({
      // local has no url (the provider's default host): its sshOpts reach nothing.
      "robotoff:hosts": { local: { sshOpts: ["-v"] }, ml: { url: "ssh://deploy@ml", sshOpts: ["-i", "key"] } },
      "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: "8501" } },
      "robotoff:app": { setTfServingHost: true },
    });
    expect(s.hosts).toStrictEqual([{ name: "local" }, { name: "ml", url: "ssh://deploy@ml", sshOpts: ["-i", "key"] }]);
  });
});

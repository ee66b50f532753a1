import { beforeAll, describe, expect, it } from "vitest";
import type { StackConfig } from "../models/config";
import type { ConfigError } from "../models/config-error";
import { freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({ ...(await import("../models/config-error")), ...(await import("../models/validate")) }));

const minimal = { "robotoff:environment": "dev", "robotoff:hostRoot": "/srv/robotoff" };

function issuesOf(raw: Record<string, string>): { key: string; expected: string; found: string }[] {
  try {
    m.parseStackConfig(raw, "dev-2022");
  } catch (err) {
    if (err instanceof m.ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("config was accepted");
}

describe("ConfigError", () => {
  it("is named so in a stack trace or String(err), as the SDK prints an error it did not expect", () => {
    expect(String(new m.ConfigError({ stack: "dev-2022" }, []))).toMatch(/^ConfigError: /);
  });
});

describe("stack config defaults", () => {
  let cfg: StackConfig;
  beforeAll(() => {
    cfg = m.parseStackConfig(minimal, "dev-2022") as StackConfig;
  });
  // Parsed once, here: sizes in MB (2g -> 2048), durations in seconds (1m0s -> 60), bindings as ip and port.
  it("publishes Swarm ports through the ingress mesh behind a virtual IP, and joins Product Opener's po_default in dev", () => {
    expect(cfg.swarm).toMatchObject({ publishMode: "ingress", endpointMode: "vip", replicas: { api: 2, workers: 2, scheduler: 1 } });
    expect(cfg.dev.productOpenerNetwork).toBe("po_default");
  });
  it("fills every default of docker-compose.yml + docker/ml.yml", () => {
    expect(cfg.networkName).toBe("webnet");
    expect(cfg.restartPolicy).toBe("no");
    expect(cfg.app).toMatchObject({ image: "ghcr.io/openfoodfacts/robotoff", tag: "latest", ipcPort: 6650, workerCount: 8 });
    expect(cfg.app.api).toEqual({
      memory: 2048,
      expose: { http: { ip: "127.0.0.1", port: 5500 } },
      healthcheck: { interval: 30, timeout: 5, retries: 3, startPeriod: 60 },
      // compose's way, unless the stack asks for copies behind a proxy
      release: "replace",
      proxy: { image: "haproxy:2.6", memory: 256 },
    });
    expect(cfg.app.workers.memory).toBe(8192);
    expect(cfg.app.scheduler.memory).toBe(4096);
    expect(cfg.hosts).toEqual({ local: {} });
    expect(cfg.app.host).toBe("local");
    expect(cfg.postgres).toEqual({
      image: "postgres:11.2-alpine",
      user: "postgres",
      db: "postgres",
      memory: 4096,
      shmSize: 1024,
      settings: { shared_buffers: "1024MB", work_mem: "64MB" },
      expose: { postgres: { ip: "127.0.0.1", port: 5432 } },
      healthcheck: { interval: 10, timeout: 5, retries: 6, startPeriod: 30 },
      waitTimeout: 120,
      // Not in compose: scheduled dumps, off by default in dev.
      backup: { enabled: false, at: "03:00", keep: 7, memory: 512 },
    });
    expect(cfg.elasticsearch).toEqual({
      image: "raphael0202/elasticsearch",
      memory: 2048,
      heapSize: 512,
      diskWatermarkHigh: "95%",
      nofile: 262144,
      memoryLock: true,
      healthcheck: { interval: 10, timeout: 10, retries: 12, startPeriod: 60 },
      waitTimeout: 300,
    });
    expect(cfg.tfServing).toEqual({
      host: "local",
      enabled: true,
      image: "tensorflow/serving:2.4.0",
      memory: 10240,
      expose: { grpc: { ip: "127.0.0.1", port: 8500 }, rest: { ip: "127.0.0.1", port: 8501 } },
      allowRemoteAccess: false,
      healthcheck: { interval: 10, timeout: 5, retries: 6, startPeriod: 60 },
      waitTimeout: 300,
      // Not in compose: no models from config unless listed (tfServing.models); their wait.
      modelsTimeout: 900,
    });
    expect(cfg.restartMaxRetries).toBe(5);
    expect(cfg.app.env).toEqual({});
    expect(cfg.volumes).toEqual({
      postgresData: { name: "postgres-data", lifecycle: "managed" },
      esData: { name: "es-data", lifecycle: "managed" },
    });
  });
  it("ignores other namespaces (the provider's docker:host, for one)", () => {
    expect(() => m.parseStackConfig({ ...minimal, "docker:host": "ssh://x" }, "dev-2022")).not.toThrow();
  });
});

describe("stack config errors", () => {
  it("names the full key, what was expected and what was found", () => {
    const issues = issuesOf({ ...minimal, "robotoff:postgres": JSON.stringify({ memory: "2gb" }) });
    expect(issues).toEqual([{ key: "robotoff:postgres.memory", expected: expect.stringContaining("compose size"), found: '"2gb"' }]);
  });
  it("reports every problem at once", () => {
    const issues = issuesOf({
      "robotoff:hostRoot": "relative/path",
      "robotoff:restartPolicy": "sometimes",
      "robotoff:app": JSON.stringify({ api: { expose: { http: "127.0.0.1:99999" } }, workerCount: "8" }),
      "robotoff:tfServing": JSON.stringify({ imagee: "x" }),
    });
    expect(issues.map((i) => i.key).sort()).toEqual(
      [
        "robotoff:environment",
        "robotoff:hostRoot",
        "robotoff:restartPolicy",
        "robotoff:app.api.expose.http",
        "robotoff:app.workerCount",
        "robotoff:tfServing.imagee",
      ].sort(),
    );
  });
  it("says an object key holds something else", () => {
    expect(issuesOf({ ...minimal, "robotoff:app": "not json" })).toEqual([
      {
        key: "robotoff:app",
        expected: "an object",
        found: '"not json"',
        // The text goes first: the CLI sets a path only inside an object.
        fix: ["pulumi config rm --path 'robotoff:app'", "pulumi config set --path 'robotoff:app.host' <value>"],
      },
    ]);
  });
  it("prints the pulumi config set command that fixes each key", () => {
    try {
      m.parseStackConfig({ ...minimal, "robotoff:networkName": "" }, "staging-2022");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain("pulumi config set --path 'robotoff:networkName' <value> --stack staging-2022");
    }
  });
});

describe("secrets in config", () => {
  const prodBase = { "robotoff:environment": "prod", "robotoff:hostRoot": "/srv/robotoff" };
  const allSecrets = Object.fromEntries(
    ["postgresPassword", "ipcAuthkey", "mongoUri", "offPassword", "influxdbPassword", "sentryDsn", "slackToken"].map((k) => [`robotoff:${k}`, `value-of-${k}`]),
  );
  const secretKeys = new Set(Object.keys(allSecrets));

  it("requires every secret in staging and prod, each fixed with --secret", () => {
    for (const environment of ["staging", "prod"]) {
      try {
        m.parseStackConfig({ ...prodBase, "robotoff:environment": environment }, environment);
        expect.unreachable();
      } catch (err) {
        const issues = (err as ConfigError).issues;
        expect(issues.map((i) => i.key).sort()).toEqual(Object.keys(allSecrets).sort());
        expect(issues.every((i) => i.secret && i.found === "nothing")).toBe(true);
        expect((err as Error).message).toContain(`pulumi config set --secret 'robotoff:slackToken' <value> --stack ${environment}`);
      }
    }
  });
  it("accepts prod with every secret set as a secret", () => {
    expect(() => m.parseStackConfig({ ...prodBase, ...allSecrets }, "prod-2022", secretKeys)).not.toThrow();
  });
  it("rejects a secret set in clear in prod, without printing it", () => {
    const keys = new Set([...secretKeys].filter((k) => k !== "robotoff:mongoUri"));
    try {
      m.parseStackConfig({ ...prodBase, ...allSecrets }, "prod-2022", keys);
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues).toEqual([
        { key: "robotoff:mongoUri", expected: "a secret value (set with --secret)", found: "a plaintext value", secret: true },
      ]);
      expect((err as Error).message).not.toContain("value-of-mongoUri");
    }
  });
  it("rejects a password in clear even in dev, but lets dev's mongoUri (no credentials) be plain", () => {
    const dev = { ...minimal, "robotoff:postgresPassword": "postgres", "robotoff:mongoUri": "mongodb://mongodb.po_default:27017" };
    expect(issuesOf(dev).map((i) => i.key)).toEqual(["robotoff:postgresPassword"]);
  });
  it("needs no secret in dev", () => {
    expect(() => m.parseStackConfig(minimal, "dev-2022")).not.toThrow();
  });
});

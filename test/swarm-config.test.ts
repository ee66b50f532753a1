/** robotoff:target and robotoff:swarm: what validation refuses (naming the key), and what the default keeps. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({
  ...(await import("../models/config-error")),
  ...(await import("../models/stack-plan")),
  ...(await import("../tools/shared/stack-file")),
}));

const FIXTURE = join(__dirname, "fixtures/Pulumi.staging-swarm.yaml");

/** Plans the swarm fixture with some top-level keys merged (objects one level deep) or removed (undefined). */
function plan(patch: Record<string, unknown>, file = FIXTURE) {
  const rc = m.loadRuntimeConfig(PROJECT_DIR, "staging-2022", file);
  const raw = { ...rc.config };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete raw[key];
    else if (typeof value === "object" && value !== null) raw[key] = JSON.stringify({ ...(raw[key] ? JSON.parse(raw[key]) : {}), ...value });
    else raw[key] = String(value);
  }
  return m.planStack(raw, "staging", new Set(rc.secretKeys), () => "# mapping\n");
}

function issueKeys(patch: Record<string, unknown>, file?: string): string[] {
  try {
    plan(patch, file);
  } catch (err) {
    if (err instanceof m.ConfigError) return err.issues.map((i) => i.key);
    throw err;
  }
  return [];
}

const swarm = (s: Record<string, unknown>) => ({
  "robotoff:swarm": { ...JSON.parse(m.loadRuntimeConfig(PROJECT_DIR, "staging-2022", FIXTURE).config["robotoff:swarm"]), ...s },
});

describe("swarm config is refused naming the key", () => {
  it("accepts the fixture as it is", () => {
    expect(issueKeys({})).toEqual([]);
  });
  it("an api replica count of 0", () => {
    expect(issueKeys(swarm({ replicas: { api: 0 } }))).toEqual(["robotoff:swarm.replicas.api"]);
  });
  it("two schedulers", () => {
    expect(issueKeys(swarm({ replicas: { scheduler: 2 } }))).toEqual(["robotoff:swarm.replicas.scheduler"]);
  });
  it("a pinned service without a node label", () => {
    expect(issueKeys(swarm({ nodeLabels: { postgres: "robotoff.postgres=true", tfServing: "robotoff.ml=true" } }))).toEqual([
      "robotoff:swarm.nodeLabels.elasticsearch",
    ]);
  });
  it("a node label that is not key=value", () => {
    expect(issueKeys(swarm({ nodeLabels: { postgres: "robotoff.postgres", elasticsearch: "a=b", tfServing: "c=d" } }))).toEqual([
      "robotoff:swarm.nodeLabels.postgres",
    ]);
  });
  it("start-first for the api while it publishes a host-mode port", () => {
    expect(issueKeys(swarm({ publishMode: "host" }))).toEqual(["robotoff:swarm.apiUpdateOrder"]);
  });
  it("accepts start-first with host mode once the api publishes nothing, and stop-first with its port", () => {
    expect(issueKeys({ ...swarm({ publishMode: "host" }), "robotoff:app": { api: { expose: { http: null } } } })).toEqual([]);
    expect(issueKeys(swarm({ publishMode: "host", apiUpdateOrder: "stop-first" }))).toEqual([]);
  });
  it("DNS round robin with an ingress port", () => {
    expect(issueKeys(swarm({ endpointMode: "dnsrr" }))).toEqual(["robotoff:swarm.publishMode"]);
  });
  it("a service placed on another Docker host, and the dev build", () => {
    const keys = issueKeys({ "robotoff:tfServing": { host: "ml" }, "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } }, "robotoff:dev": { enabled: true } });
    expect(new Set(keys)).toEqual(new Set(["robotoff:tfServing.host", "robotoff:dev.enabled"]));
  });
  it("an api port bound to one address (Swarm binds every interface)", () => {
    expect(issueKeys({ "robotoff:app": { api: { expose: { http: "10.0.0.1:5500" } } } })).toEqual(["robotoff:app.api.expose.http"]);
  });
  it("an unknown target", () => {
    expect(issueKeys({ "robotoff:target": "kubernetes" })).toEqual(["robotoff:target"]);
  });
});

describe("the containers target stays the default", () => {
  it("plans Pulumi.staging-2022.yaml without scheduling facts, and ignores robotoff:swarm there", () => {
    const staging = join(PROJECT_DIR, "Pulumi.staging-2022.yaml");
    const { spec, config } = plan({}, staging);
    expect(config.target).toBe("containers");
    expect(spec.services.filter((s) => s.scheduling !== undefined)).toEqual([]);
    // Swarm rules do not apply: a pinned service needs no label on containers.
    expect(issueKeys({ "robotoff:swarm": { replicas: { api: 1 } } }, staging)).toEqual([]);
  });
  it("plans the swarm fixture with scheduling facts on every service", () => {
    const { spec } = plan({});
    expect(spec.services.map((s) => [s.name, s.scheduling?.replicas, s.scheduling?.nodeLabel])).toEqual([
      ["api", 2, undefined],
      ["workers", 3, undefined],
      ["scheduler", 1, undefined],
      ["postgres", 1, "robotoff.postgres=true"],
      ["elasticsearch", 1, "robotoff.elasticsearch=true"],
      ["tf_serving", 1, "robotoff.ml=true"],
      ["statsd", 1, undefined],
      ["postgres_exporter", 1, undefined],
      ["postgres_backup", 1, "robotoff.postgres=true"], // beside postgres, where its dump folder is
    ]);
  });
});

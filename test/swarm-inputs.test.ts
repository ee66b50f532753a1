// The pure mappings from a service spec to Swarm's service inputs (services/swarm/service-inputs.ts), case by
// case; what a container runs is in swarm-secret-env.test.ts, the rendered swarm stack in swarm.stack.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../models/spec";
import { freshModules, PROJECT_DIR } from "./harness";

const m = freshModules(async () => ({
  ...(await import("../services/swarm/service-inputs")),
  ...(await import("../models/stack-plan")),
  ...(await import("../tools/shared/stack-file")),
}));

const FIXTURE = join(__dirname, "fixtures/Pulumi.staging-swarm.yaml");
const swarmSpec = () => {
  const rc = m.loadRuntimeConfig(PROJECT_DIR, "staging-2022", FIXTURE);
  return m.planStack(rc.config, "staging", new Set(rc.secretKeys), () => "# mapping\n").spec;
};
const serviceOf = (name: string): ServiceSpec => swarmSpec().services.find((s) => s.name === name)!;
const ctx = { image: "img", networkId: "net-id", volumeName: (k: string) => k, networking: { publishMode: "ingress", endpointMode: "vip" } } as const;

describe("secret files", () => {
  const env = (value: ServiceSpec["env"][string]) => ({ name: "api" as const, env: { PLAIN: "x", V: value } });
  it("a bare secret is the stack key's own file, shared by every service", () => {
    expect(m.secretFiles(env({ secret: "slackToken" })).map((f) => [f.variable, f.fileName])).toEqual([["V", "slackToken"]]);
  });
  it.each([
    ["a prefix", { secret: "postgresPassword", prefix: "postgresql://u:" }],
    ["a suffix", { secret: "postgresPassword", suffix: "@db" }],
    ["URI encoding", { secret: "postgresPassword", uriEncode: true }],
  ] as const)("a value built around a secret with %s is a file of its own, named after the service and variable", (_, value) => {
    expect(m.secretFiles(env(value)).map((f) => f.fileName)).toEqual(["api-V"]);
  });
  it("uriEncode false is a bare secret", () => {
    expect(m.secretFiles(env({ secret: "mongoUri", uriEncode: false })).map((f) => f.fileName)).toEqual(["mongoUri"]);
  });
});

describe("restart policies, as Swarm names them", () => {
  it.each([
    // Delay, window and attempts as Swarm keeps them unset and the provider reads them back.
    ["no", undefined, { condition: "none", delay: "0s", maxAttempts: 0, window: "0s" }],
    ["on-failure", 3, { condition: "on-failure", delay: "0s", maxAttempts: 3, window: "0s" }],
    ["on-failure", undefined, { condition: "on-failure", delay: "0s", maxAttempts: 0, window: "0s" }],
    ["always", undefined, { condition: "any", delay: "0s", maxAttempts: 0, window: "0s" }],
    ["unless-stopped", undefined, { condition: "any", delay: "0s", maxAttempts: 0, window: "0s" }],
  ] as const)("compose %s (max retries %s)", (restart, restartMaxRetries, expected) => {
    expect(m.restartPolicy({ restart, restartMaxRetries })).toEqual(expected);
  });
});

describe("how long pulumi up waits for a service to converge", () => {
  const healthcheck = { command: ["true"], intervalSeconds: 10, timeoutSeconds: 5, retries: 6, startPeriodSeconds: 60 };
  it("its health budget: start period, then (interval + timeout) for each retry and the first try", () => {
    expect(m.convergeTimeoutSeconds({ healthcheck })).toBe(60 + 15 * 7);
  });
  it("its wait timeout when that is longer", () => {
    expect(m.convergeTimeoutSeconds({ healthcheck, waitTimeoutSeconds: 300 })).toBe(300);
  });
  it("at least a minute", () => {
    expect(m.convergeTimeoutSeconds({})).toBe(60);
  });
});

describe("service inputs", () => {
  it("update one task at a time and roll back on failure; a failed rollback pauses", () => {
    const inputs = m.swarmServiceInputs(serviceOf("api"), ctx);
    expect(inputs.updateConfig).toMatchObject({ parallelism: 1, delay: "0s", failureAction: "rollback", maxFailureRatio: "0" });
    expect(inputs.rollbackConfig).toMatchObject({ parallelism: 1, delay: "0s", failureAction: "pause", maxFailureRatio: "0" });
  });
  it("refuses a spec built for containers (no scheduling)", () => {
    expect(() => m.swarmServiceInputs({ ...serviceOf("api"), scheduling: undefined }, ctx)).toThrow(
      "api: no scheduling in the spec (robotoff:target is not swarm)",
    );
  });
  it("refuses external networks", () => {
    expect(() => m.swarmServiceInputs({ ...serviceOf("api"), externalNetworks: ["po_default"] }, ctx)).toThrow(
      "api: external networks are not joined on swarm",
    );
  });
});

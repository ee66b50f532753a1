/** Config messages say the command that fixes the problem, and config the CLI writes is accepted (issue 11, items 2 and 3). */
import type { StackConfig } from "../models/config";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({
  ...(await import("../models/config-error")),
  ...(await import("../models/validate")),
  ...(await import("../tools/shared/stack-file")),
}));

/** A shipped stack's runtime config with `change` applied to its top-level values (objects parsed). */
function configOf(stack: string, change: (values: Record<string, any>) => void): { raw: Record<string, string>; secretKeys: Set<string> } {
  const runtime = m.loadRuntimeConfig(PROJECT_DIR, stack);
  const values: Record<string, any> = Object.fromEntries(Object.entries(runtime.config).map(([k, v]) => [k, v.startsWith("{") ? JSON.parse(v) : v]));
  change(values);
  const raw = Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  return { raw, secretKeys: new Set(runtime.secretKeys) };
}

function messageOf(stack: string, change: (values: Record<string, any>) => void): string {
  const { raw, secretKeys } = configOf(stack, change);
  try {
    m.parseStackConfig(raw, stack, secretKeys);
  } catch (err) {
    if (err instanceof m.ConfigError) return err.message;
    throw err;
  }
  throw new Error("the config was accepted");
}

describe("config messages name the right fix", () => {
  it("a misspelt key: remove it, then set the key meant", () => {
    const message = messageOf("dev-2022", (v) => (v["robotoff:app"].setTfServingHots = true));
    expect(message).toContain("robotoff:app.setTfServingHots: expected no such key (did you mean robotoff:app.setTfServingHost?)");
    expect(message).toContain("fix: pulumi config rm --path 'robotoff:app.setTfServingHots' --stack dev-2022");
    expect(message).toContain("then: pulumi config set --path 'robotoff:app.setTfServingHost' <value> --stack dev-2022");
    expect(message).not.toContain("config set --path 'robotoff:app.setTfServingHots'");
  });
  it("a url for the local host: remove it (setting it again is no fix)", () => {
    const message = messageOf("dev-2022", (v) => (v["robotoff:hosts"] = { local: { url: "ssh://me@here" } }));
    expect(message).toContain("fix: pulumi config rm --path 'robotoff:hosts.local.url' --stack dev-2022");
    expect(message).not.toContain("config set --path 'robotoff:hosts.local.url'");
  });
  it("an unknown key with nothing close: only remove it", () => {
    const message = messageOf("dev-2022", (v) => (v["robotoff:app"].colour = "blue"));
    expect(message).toContain("fix: pulumi config rm --path 'robotoff:app.colour' --stack dev-2022");
    expect(message).not.toContain("then:");
  });
  it("a nested key set without --path: says it needs --path", () => {
    const message = messageOf("dev-2022", (v) => (v["robotoff:app.tag"] = "v1"));
    expect(message).toContain("robotoff:app.tag: expected a nested key, set with --path");
    expect(message).toContain("fix: pulumi config rm 'robotoff:app.tag' --stack dev-2022");
    expect(message).toContain("then: pulumi config set --path 'robotoff:app.tag' <value> --stack dev-2022");
    expect(message).not.toContain("no such key");
  });
  it("an empty secret where secrets are required: found an empty value, not a plaintext one", () => {
    const message = messageOf("prod-2022", (v) => (v["robotoff:slackToken"] = ""));
    expect(message).toContain("robotoff:slackToken: expected a secret (every secret is required in prod), found an empty value");
    expect(message).not.toContain("plaintext");
  });
  it("an empty optional secret in dev is accepted (it leaks nothing)", () => {
    const { raw, secretKeys } = configOf("dev-2022", (v) => (v["robotoff:offPassword"] = ""));
    expect(() => m.parseStackConfig(raw, "dev-2022", secretKeys)).not.toThrow();
  });
});

describe("config the CLI writes with --path is accepted", () => {
  it("ports stored as numbers (pulumi config set --path robotoff:tfServing.expose.grpc 8500)", () => {
    const { raw, secretKeys } = configOf("prod-2022", (v) => {
      v["robotoff:tfServing"] = { allowRemoteAccess: true, expose: { grpc: 8500, rest: 8501 } };
      v["robotoff:app"].api.expose.http = 5500;
    });
    const cfg = m.parseStackConfig(raw, "prod-2022", secretKeys) as StackConfig;
    expect(cfg.tfServing.expose).toEqual({ grpc: { port: 8500 }, rest: { port: 8501 } });
    expect(cfg.app.api.expose.http).toEqual({ port: 5500 });
  });
  it("a tag and an app variable stored as numbers", () => {
    const { raw, secretKeys } = configOf("dev-2022", (v) => {
      v["robotoff:app"].tag = 1234;
      v["robotoff:app"].env = { FEATURE_LEVEL: 2 };
    });
    const cfg = m.parseStackConfig(raw, "dev-2022", secretKeys);
    expect(cfg.app.tag).toBe("1234");
    expect(cfg.app.env).toEqual({ FEATURE_LEVEL: "2" });
  });
  it("still refuses a size given as a bare number", () => {
    expect(messageOf("dev-2022", (v) => (v["robotoff:tfServing"] = { memory: 10 }))).toContain("robotoff:tfServing.memory");
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRuntimeConfig, securePlaceholder } from "../../../tools/shared/stack-file";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-project-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("loading config as the Pulumi CLI does", () => {
  const dir = project({
    "Pulumi.yaml": [
      "name: robotoff",
      "runtime: nodejs",
      "config:",
      "  networkName: fromproject", // unqualified: the project namespace
      "  robotoff:restartPolicy:",
      "    default: always",
      "  robotoff:hostRoot:",
      "    type: string", // a declaration with no value sets nothing
    ].join("\n"),
    "Pulumi.s.yaml": [
      "config:",
      '  robotoff:restartPolicy: "no"',
      "  robotoff:app:",
      "    tag: v1",
      "    api: { memory: 1g }",
      "  robotoff:postgresPassword:",
      "    secure: v1:abc",
      "  robotoff:nested:",
      "    inner: { secure: v1:def }",
    ].join("\n"),
  });
  const cfg = loadRuntimeConfig(dir, "s");

  it("takes the project name from Pulumi.yaml", () => expect(cfg.project).toBe("robotoff"));
  it("applies project defaults, then lets the stack file override them", () => {
    expect(cfg.config["robotoff:networkName"]).toBe("fromproject");
    expect(cfg.config["robotoff:restartPolicy"]).toBe("no");
    expect(cfg.config["robotoff:hostRoot"]).toBeUndefined();
  });
  it("passes objects as JSON, as the runtime does", () => {
    expect(JSON.parse(cfg.config["robotoff:app"])).toEqual({ tag: "v1", api: { memory: "1g" } });
  });
  it("turns secure: values, nested or not, into marked placeholders", () => {
    expect(cfg.config["robotoff:postgresPassword"]).toBe(securePlaceholder("robotoff:postgresPassword"));
    expect(JSON.parse(cfg.config["robotoff:nested"])).toEqual({ inner: securePlaceholder("robotoff:nested.inner") });
    expect(cfg.secretKeys.sort()).toEqual(["robotoff:nested", "robotoff:postgresPassword"]);
  });
  it("names the file it cannot find", () => {
    expect(() => loadRuntimeConfig(dir, "missing")).toThrow("--stack missing: no Pulumi.missing.yaml here (stacks: s)");
  });
});

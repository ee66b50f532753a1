/** Warnings on a valid config (issue 26): a floating tag where releases are pinned; an environment the stack's name contradicts. */
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { planStackFile } from "../tools/shared/stack-file";
import { configWarnings } from "../models/warnings";
import { PROJECT_DIR, renderStack, stackFileWith } from "./harness";

const plan = (stack: string, file: string, change: (config: Record<string, any>) => void = () => {}) =>
  planStackFile(PROJECT_DIR, stack, stackFileWith(join(PROJECT_DIR, file), change)).plan.config;

describe("configWarnings", () => {
  it("says nothing for the shipped stacks", () => {
    for (const stack of ["dev", "staging", "prod", "dev-2022", "staging-2022", "prod-2022"])
      expect(configWarnings(plan(stack, `Pulumi.${stack}.yaml`), stack)).toEqual([]);
  });
  it("warns of app.tag latest in prod and staging, with the pin to paste; not in dev", () => {
    const latest = (config: Record<string, any>) => (config["robotoff:app"].tag = "latest");
    expect(configWarnings(plan("prod-2022", "Pulumi.prod-2022.yaml", latest), "prod-2022")).toEqual([
      "robotoff:app.tag: latest in prod: each deploy runs whatever latest is at that moment, and a rollback has no earlier tag to go back to; pin the release: pulumi config set --path 'robotoff:app.tag' sha-<commit> --stack prod-2022",
    ]);
    expect(configWarnings(plan("staging-2022", "Pulumi.staging-2022.yaml", latest), "staging-2022")).toHaveLength(1);
    expect(configWarnings(plan("dev-2022", "Pulumi.dev-2022.yaml"), "dev-2022")).toEqual([]);
  });
  it("warns when the stack's name names another environment than robotoff:environment", () => {
    const cfg = plan("prod-2022", "Pulumi.staging-2022.yaml");
    expect(configWarnings(cfg, "prod")).toEqual([
      "robotoff:environment: staging in stack prod: the stack follows staging's overlays and defaults, not prod's; if prod is meant: pulumi config set 'robotoff:environment' prod --stack prod",
    ]);
    expect(configWarnings(cfg, "prod-2022")).toHaveLength(1);
    expect(configWarnings(cfg, "staging-swarm")).toEqual([]);
    expect(configWarnings(cfg, "preview")).toEqual([]);
  });
  it("are printed by the program as Pulumi warnings", async () => {
    const file = stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (config) => (config["robotoff:app"].tag = "latest"));
    // Without an engine to send it to, the SDK's log writes to the console.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let said: string;
    try {
      await renderStack("prod-2022", file);
    } finally {
      said = warn.mock.calls.flat().join("\n");
      warn.mockRestore();
    }
    expect(said).toContain("warning: [runtime] robotoff:app.tag: latest in prod: each deploy runs whatever latest is");
  });
});

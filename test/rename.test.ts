/** Renaming the top component re-parents every resource: aliases must keep all of them. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRuntimeConfig } from "../tools/shared/stack-file";
import type { Rendered } from "../tools/render/offline";
import { PROJECT_DIR, renderProgram, beforeAllTests } from "./harness";
import { orphanedUrns, releasedUrns } from "./stack-rules";

describe("a renamed component keeps its state through aliases", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderProgram(loadRuntimeConfig(PROJECT_DIR, "dev-2022"), join(__dirname, "fixtures/renamed-program.ts"));
  });
  it("registers every resource under new URNs", () => {
    expect(orphanedUrns(r, releasedUrns("dev-2022"), false)).toEqual(releasedUrns("dev-2022"));
  });
  it("aliases each new URN to the released one, the containers two levels down included", () => {
    expect(orphanedUrns(r, releasedUrns("dev-2022"))).toEqual([]);
    const api = r.state.get("docker:index/container:Container::robotoff-docker-api-container")!;
    expect(api.aliases).toContain(
      "urn:pulumi:dev-2022::robotoff::robotoff:docker:Deployment$robotoff:docker:Service$docker:index/container:Container::robotoff-api-container",
    );
  });
});

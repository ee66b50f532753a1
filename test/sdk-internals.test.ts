/** The SDK internals the program and the render use are read from one pinned @pulumi/pulumi version. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SDK_VERSION_READ, sdkVersionProblem } from "../services/sdk-internals";
import { PROJECT_DIR } from "./harness";

describe("services/sdk-internals.ts", () => {
  it("was written for the @pulumi/pulumi version package.json pins", () => {
    const pinned = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    expect(pinned).toBe(SDK_VERSION_READ);
    expect(sdkVersionProblem(pinned)).toBeUndefined();
  });
  it("refuses another version, naming both and what to check", () => {
    const problem = sdkVersionProblem("3.249.0");
    expect(problem).toContain("@pulumi/pulumi 3.249.0 is installed");
    expect(problem).toContain(`written for ${SDK_VERSION_READ}`);
    expect(problem).toContain("isConfigSecret");
  });
});

/**
 * The render command in child processes, for what only a process shows: the exit status, stdout, and
 * stderr without a stack trace. (Formats and config loading: render.test.ts, in process.)
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../../tools/shared/command";
import { toJson } from "../../../tools/render/json";
import { PROJECT_DIR, renderStack, scratchFile } from "../../harness";

/** `npm run --silent render -- ...` without npm's own start-up: node with the project's loader. */
const render = (...args: string[]) =>
  run(process.execPath, ["--require", join(PROJECT_DIR, "tools/register.js"), join(PROJECT_DIR, "tools/render/index.ts"), ...args], { cwd: PROJECT_DIR });

const tempConfig = (yaml: string): string => scratchFile("Pulumi.test.yaml", yaml);

// Side by side: each test waits on its own child process.
describe.concurrent("the render command", () => {
  it("prints the stack as JSON on stdout, nothing on stderr, exit 0", async () => {
    const run = await render("--stack", "prod-2022", "--format", "json");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(toJson(await renderStack("prod-2022"), false)));
  });
  it("fails with exit 1, every invalid key on stderr and no stack trace", async () => {
    const file = tempConfig("config:\n  robotoff:environment: qa\n  robotoff:hostRoot: srv\n  robotoff:postgres:\n    memory: 2gb\n");
    const run = await render("--stack", "dev-2022", "--config-file", file);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    for (const key of ["robotoff:environment", "robotoff:hostRoot", "robotoff:postgres.memory"]) {
      expect(run.stderr).toContain(key);
    }
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
  it("fails with exit 2 (a bad argument) on a stack that has no stack file", async () => {
    const run = await render("--stack", "nosuchstack");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Pulumi.nosuchstack.yaml");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
  it("fails with exit 2 and the usage on bad arguments", async () => {
    const run = await render("--format", "json");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage:");
  });
});

/**
 * Every command ends with one clear message, never a stack trace: exit 1 for bad input, 2 for bad
 * arguments (issue 11, item 1). In-process where a function decides; a handful of child runs for what only
 * a process shows.
 */
import { runScript } from "../../script";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../models/config-error";
import { ArgumentError, failure, InputError } from "../../../tools/shared/errors";
import { stackArgs } from "../../../tools/shared/args";
import { renderArgs } from "../../../tools/render";
import { renderFailure } from "../../../tools/render/baseline";
import { loadRuntimeConfig, planStackFile } from "../../../tools/shared/stack-file";
import { PROJECT_DIR, scratchFile } from "../../harness";

const stackFile = (text: string): string => scratchFile("Pulumi.bad.yaml", text);
const caught = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("nothing thrown");
};

describe("bad input: exit 1 with the file, line or key", () => {
  it.each([
    ["bad indentation", "config:\n  robotoff:environment: dev\n   robotoff:hostRoot: /srv\n", "(3:"],
    ["a tab", "config:\n\trobotoff:environment: dev\n", "(2:"],
    ["a duplicate key", "config:\n  robotoff:environment: dev\n  robotoff:environment: prod\n", "duplicated mapping key (3:"],
  ])("a stack file with %s names the file and the line", (_what, yaml, line) => {
    const file = stackFile(yaml);
    const err = caught(() => loadRuntimeConfig(PROJECT_DIR, "dev-2022", file));
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(`${file} is not valid YAML`);
    expect((err as Error).message).toContain(line);
    expect(failure(err).code).toBe(1);
  });
  it("invalid config is a ConfigError naming the key, exit 1 without a trace", () => {
    const err = caught(() => planStackFile(PROJECT_DIR, "dev-2022", stackFile("config:\n  robotoff:environment: qa\n  robotoff:hostRoot: /srv\n")));
    expect(err).toBeInstanceOf(ConfigError);
    expect(failure(err)).toEqual({ code: 1, message: expect.stringContaining("robotoff:environment: expected one of") });
    expect(failure(err).message).not.toMatch(/\n\s+at /);
  });
});

describe("bad arguments: exit 2", () => {
  it("a stack without a stack file names the stacks there are", () => {
    const err = caught(() => loadRuntimeConfig(PROJECT_DIR, "nope"));
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toBe("--stack nope: no Pulumi.nope.yaml here (stacks: dev, dev-2022, prod, prod-2022, staging, staging-2022)");
    expect(failure(err).code).toBe(2);
  });
  it("a --config-file that does not exist", () => {
    const err = caught(() => loadRuntimeConfig(PROJECT_DIR, "dev-2022", "/nonexistent/my-dev.yaml"));
    expect((err as Error).message).toBe("--config-file /nonexistent/my-dev.yaml: no such file");
    expect(failure(err).code).toBe(2);
  });
  it("no --stack, an unknown option, an unknown format, --diff with the graph", () => {
    expect(caught(() => stackArgs([], "doctor"))).toBeInstanceOf(ArgumentError);
    expect(caught(() => stackArgs(["--stack", "dev-2022", "--colour"], "doctor"))).toBeInstanceOf(ArgumentError);
    const yaml = caught(() => renderArgs(["--stack", "dev-2022", "--format", "yaml"]));
    expect(yaml).toBeInstanceOf(ArgumentError);
    expect((yaml as Error).message).toMatch(/^--format yaml: expected one of table, json, graph/);
    expect(caught(() => renderArgs(["--stack", "dev-2022", "--diff", "main", "--format", "graph"]))).toBeInstanceOf(ArgumentError);
    expect(renderArgs(["--stack", "dev-2022", "--diff", "main", "--format", "json"]).format).toBe("json");
  });
  it("a bug keeps its stack trace", () => {
    expect(failure(new TypeError("x is undefined")).message).toMatch(/^TypeError: x is undefined\n\s+at /);
  });
});

describe("a baseline that does not render", () => {
  it("says the error line of an old commit's crash, not its trace", () => {
    const stderr = [
      "node:internal/modules/cjs/loader:1228",
      "  throw err;",
      "  ^",
      "",
      "Error: Cannot find module 'yaml'",
      "Require stack:",
      "- /tmp/robotoff-diff-x/tools/stack-config.ts",
      "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
      "    at Module._load (node:internal/modules/cjs/loader:1051:27)",
    ].join("\n");
    expect(renderFailure(stderr)).toBe("Error: Cannot find module 'yaml'");
  });
  it("keeps all of a clean message", () => {
    expect(renderFailure("Invalid config for stack dev (1 problem):\n  robotoff:x: expected y\n")).toBe(
      "Invalid config for stack dev (1 problem):\nrobotoff:x: expected y",
    );
  });
});

const npm = (command: string, ...args: string[]) => runScript(command, args);

// Side by side: each test waits on its own child process.
describe.concurrent("as a process", () => {
  it("render: a YAML error exits 1 with the excerpt and no trace", async () => {
    const file = stackFile("config:\n  robotoff:environment: dev\n  robotoff:environment: prod\n");
    const out = await npm("render", "--stack", "dev-2022", "--config-file", file);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("duplicated mapping key (3:3)");
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(out.stdout).toBe("");
  });
  it("doctor: invalid config exits 1 naming the key, without RunError or a trace", async () => {
    const out = await npm("doctor", "--stack", "dev-2022", "--config-file", stackFile("config:\n  robotoff:environment: dev\n  robotoff:hostRoot: srv\n"));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("robotoff:hostRoot: expected an absolute, normalized host path");
    expect(out.stderr).not.toMatch(/RunError|__pulumiRunError|\n\s+at /);
  });
  it("livecheck: an unknown stack exits 2", async () => {
    const out = await npm("livecheck", "--stack", "nope");
    expect(out.code).toBe(2);
    expect(out.stderr).toBe("--stack nope: no Pulumi.nope.yaml here (stacks: dev, dev-2022, prod, prod-2022, staging, staging-2022)");
  });
});

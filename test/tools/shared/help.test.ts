/** `--help` and `-h` on every command and each ops verb (issue 26): its usage on stdout, exit 0, nothing else run. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../../tools/shared/command";
import { main as render } from "../../../tools/render";
import { main as livecheck } from "../../../tools/livecheck";
import { main as doctor } from "../../../tools/doctor";
import { main as ops } from "../../../tools/ops";
import { main as docsConfig } from "../../../tools/config-docs";
import { main as survivors } from "../../mutation-report";
import { runMain } from "../../in-process";
import { PROJECT_DIR } from "../../harness";

const COMMANDS = [
  ["render", render, "usage: npm run --silent render -- --stack <name>"],
  ["livecheck", livecheck, "usage: npm run livecheck -- --stack <name> [--config-file <path>]\nEvery container"],
  ["doctor", doctor, "usage: npm run doctor -- --stack <name> [--config-file <path>] [--preflight]\nChecks"],
  ["ops", ops, "usage: npm run ops -- --stack <name> [--config-file <path>] <verb> [service...]\n  ps [service...]"],
  ["docs:config", (argv: string[]) => docsConfig(argv, "/nonexistent/README.md"), "usage: npm run docs:config\n"],
  ["mutation:survivors", survivors, "usage: npm run --silent mutation:survivors"],
] as const;

describe("--help and -h", () => {
  for (const [name, main, start] of COMMANDS)
    for (const flag of ["--help", "-h"])
      it(`${name} ${flag}: its usage on stdout, exit 0, even with no --stack`, async () => {
        const r = await runMain(main as (argv: string[]) => Promise<number>, [flag]);
        expect([r.code, r.stderr, r.stdout.startsWith(start)]).toEqual([0, "", true]);
      });

  it.each([
    ["ps", "ps [service...]"],
    ["logs", "logs [-f] [--tail N] [--since T] [service...]"],
    ["stop", "stop | start | restart [service...]"],
    ["start", "stop | start | restart [service...]"],
    ["restart", "stop | start | restart [service...]"],
    ["exec", "exec <service> -- <command...>"],
    ["backup", "backup [--if-replaced <pulumi preview --json output>]"],
    ["restore", "restore [--yes] <file>"],
  ])("ops %s --help: that verb's usage", async (verb, line) => {
    const r = await runMain(ops, ["--stack", "prod-2022", verb, "--help"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `usage: npm run ops -- --stack <name> [--config-file <path>] ${line}`, ""]);
  });

  it("ops exec: a -h after -- is the command's own, not ops'", async () => {
    const r = await runMain(ops, ["exec", "postgres", "--", "psql", "-h", "localhost"]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("--stack is required")]);
  });

  it("bed --help: its usage, exit 0, no bed started", async () => {
    const r = await run(process.execPath, ["--require", "./tools/register.js", "test/hosts/bed-cli.ts", "--help"], { cwd: PROJECT_DIR });
    expect([r.code, r.stdout.split("\n")[0], r.stderr]).toEqual([0, "usage: npm run bed -- up [host...] | down", ""]);
  });
});

describe("docs:config says what it changed", () => {
  it("rewrites a stale table, then says it is up to date", async () => {
    const readme = join(mkdtempSync(join(tmpdir(), "robotoff-docs-")), "README.md");
    const text = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    writeFileSync(readme, text.replace("| `environment` |", "| `environmentX` |"));
    const doc = join(dirname(readme), "generation-2026-06.md");
    writeFileSync(doc, readFileSync(join(PROJECT_DIR, "docs", "generation-2026-06.md"), "utf8"));
    const first = await runMain((argv) => docsConfig(argv, readme, doc), []);
    expect([first.code, first.stdout.split("\n")]).toEqual([
      0,
      [expect.stringMatching(/README\.md: config key table rewritten \(\d+ keys\)$/), `${doc}: the config key table is up to date`],
    ]);
    expect(readFileSync(readme, "utf8")).toBe(text);
    const second = await runMain((argv) => docsConfig(argv, readme, doc), []);
    expect(second.stdout).toBe(`${readme}: the config key table is up to date\n${doc}: the config key table is up to date`);
  });
  it("refuses an argument", async () => {
    expect((await runMain((argv) => docsConfig(argv, "/nonexistent"), ["--write"])).code).toBe(2);
  });
});

describe("mutation:survivors without a report", () => {
  it.each([
    ["a missing report", "/nonexistent/mutation.json", "/nonexistent/mutation.json: no such file: run npm run mutation first, it writes it"],
    ["a folder", "/tmp", "/tmp: a folder, not a report"],
  ])("%s: one line, exit 1, no trace", async (_, file, line) => {
    const r = await runMain(survivors, ["--json", file]);
    expect([r.code, r.stderr]).toEqual([1, line]);
  });
  it("a file that is no report", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-mut-")), "x.json");
    writeFileSync(file, "[]");
    expect(await runMain(survivors, ["--json", file])).toEqual({ code: 1, stdout: "", stderr: `${file}: not a StrykerJS JSON report (no files)` });
  });
});

describe("--config-file is the caller's path (issue 26)", () => {
  it("resolves against the folder npm run was called from (INIT_CWD), else the working folder", async () => {
    const { callerPath } = await import("../../../tools/shared/args");
    expect(callerPath("prod.yaml", { INIT_CWD: "/home/op/stacks" })).toBe("/home/op/stacks/prod.yaml");
    expect(callerPath("/etc/robotoff/prod.yaml", { INIT_CWD: "/home/op/stacks" })).toBe("/etc/robotoff/prod.yaml");
    expect(callerPath("prod.yaml", {})).toBe(join(process.cwd(), "prod.yaml"));
  });
});

describe("every command, given a folder, a missing file or an unreadable file for its stack file: one line, no trace (issue 26)", () => {
  const cases = [
    ["render", render, []],
    ["livecheck", livecheck, []],
    ["doctor", doctor, []],
    ["ops", ops, ["ps"]],
  ] as const;
  for (const [name, main, extra] of cases) {
    it(`${name}: a folder`, async () => {
      const folder = mkdtempSync(join(tmpdir(), "robotoff-folder-"));
      const r = await runMain(main as (argv: string[]) => Promise<number>, ["--stack", "prod-2022", "--config-file", folder, ...extra]);
      expect([r.code, r.stderr]).toEqual([1, `${folder} is a folder, not a stack file (Pulumi.<stack>.yaml)`]);
    });
    it(`${name}: a file that is not there`, async () => {
      const r = await runMain(main as (argv: string[]) => Promise<number>, [
        "--stack",
        "prod-2022",
        "--config-file",
        "/nonexistent/Pulumi.prod-2022.yaml",
        ...extra,
      ]);
      expect([r.code, r.stderr.includes("\n    at "), r.stderr.split("\n").length]).toEqual([expect.any(Number), false, 1]);
      expect(r.code).not.toBe(0);
    });
    // Permissions stop no read by root (the CI runs as root): /proc/self/mem exists and every read of its start fails.
    it(`${name}: a file that cannot be read`, async () => {
      const r = await runMain(main as (argv: string[]) => Promise<number>, ["--stack", "prod-2022", "--config-file", "/proc/self/mem", ...extra]);
      expect([r.code, r.stderr]).toEqual([1, "/proc/self/mem: EIO: i/o error, read"]);
    });
  }
});

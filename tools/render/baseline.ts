/** `render --diff`: the stack as another config file, or another commit, renders it (in another process). */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ArgumentError, InputError } from "../shared/errors";
import { PROJECT_DIR } from "../shared/stack-file";
import type { RenderedResource } from "./diff";

/** The render command of a checkout: this layout's, or a commit's from before tools/ had a folder per command. */
export const renderEntry = (projectDir: string) => ["tools/render/index.ts", "tools/render.ts"].find((entry) => existsSync(join(projectDir, entry)));

/** What `--diff` names: a config file, or the commit a git ref resolves to; neither is a bad argument. */
export type BaselineSource = { readonly against: string } & ({ readonly file: string } | { readonly commit: string });

export function baselineSource(against: string): BaselineSource {
  if (existsSync(against)) return { against, file: resolve(against) };
  try {
    const commit = execFileSync("git", ["-C", PROJECT_DIR, "rev-parse", "--verify", "--quiet", `${against}^{commit}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return { against, commit };
  } catch {
    throw new ArgumentError(`--diff ${against}: neither a file nor a git ref`);
  }
}

/** Renders a stack as JSON in another process: with another config file, or as a git ref has it. */
export function renderBaseline(stack: string, source: BaselineSource): RenderedResource[] {
  const { against } = source;
  const run = (projectDir: string, extra: string[]) =>
    execFileSync(
      process.execPath,
      [
        "--require",
        // Commits older than the cached loader used sucrase's own.
        existsSync(join(projectDir, "tools/register.js")) ? join(projectDir, "tools/register.js") : "sucrase/register/ts",
        join(projectDir, renderEntry(projectDir)!),
        "--stack",
        stack,
        "--format",
        "json",
        "--show-secrets",
        ...extra,
      ],
      { cwd: projectDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  const baseline = (projectDir: string, extra: string[], what: string) => {
    try {
      return JSON.parse(run(projectDir, extra)).resources;
    } catch (err: any) {
      throw new InputError(`--diff ${against}: ${what} does not render: ${renderFailure(String(err.stderr ?? err.message))}`);
    }
  };
  if ("file" in source) return baseline(PROJECT_DIR, ["--config-file", source.file], "that config file");
  const { commit } = source;
  const dir = mkdtempSync(join(tmpdir(), "robotoff-diff-"));
  try {
    execFileSync("sh", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, PROJECT_DIR, commit, dir]);
    if (!renderEntry(dir)) throw new InputError(`--diff ${against}: that commit has no offline render`);
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"), "dir");
    return baseline(dir, [], `commit ${commit.slice(0, 12)}, with this checkout's node_modules,`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a failed render said: all of a clean message, or the error line of a stack trace. */
export function renderFailure(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.some((l) => l.startsWith("at "))) return lines.join("\n") || "no output";
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find((l) => !l.startsWith("at ")) ?? lines[0];
}

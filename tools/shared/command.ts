/** Child commands for the operator tools, reported as data (no throw on failure). */
import { execFile } from "node:child_process";

export interface CommandResult {
  /** Exit status; -1 when the command could not run at all (not installed, timed out). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

export function run(file: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
  const { timeoutMs = 120_000, cwd, env } = opts;
  return new Promise((done) => {
    const options = { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, cwd, env: env && { ...process.env, ...env } };
    execFile(file, args, options, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
      done({ code, stdout: stdout.trim(), stderr: (stderr || (err && code === -1 ? err.message : "")).trim() });
    });
  });
}

/** The docker CLI's closing hint after an error (`See 'docker run --help'.`): says nothing of the error. */
const HELP_HINT = /^(See|Run) '.* --help'/;

/** The last line a command said, for a one-line report. */
export const lastLine = (r: CommandResult) =>
  (r.stderr || r.stdout)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !HELP_HINT.test(l))
    .pop() ?? `exit ${r.code}`;

/** What the operator commands (livecheck, doctor) share: arguments, the stack as rendered, child commands. */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadRuntimeConfig } from "./stack-config";
import { runOffline, type Rendered } from "./offline";

export const PROJECT_DIR = resolve(__dirname, "..");
/** The docker CLI to talk to Engines with (DOCKER_HOST and contexts apply). */
export const DOCKER = process.env.ROBOTOFF_DOCKER_CLI || "docker";

export interface CommandResult {
  /** Exit status; -1 when the command could not run at all (not installed, timed out). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(file: string, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
      done({ code, stdout: stdout.trim(), stderr: (stderr || (err && code === -1 ? err.message : "")).trim() });
    });
  });
}

/** `--stack <name> [--config-file <path>]`, or the exit status 2 after saying what is wrong. */
export function stackArgs(argv: string[], command: string): { stack: string; configFile?: string } | number {
  try {
    const { stack, "config-file": configFile } = parseArgs({
      args: argv,
      options: { stack: { type: "string" }, "config-file": { type: "string" } },
    }).values;
    if (stack) return { stack, configFile };
  } catch (err: any) {
    process.stderr.write(`${err.message}\n`);
  }
  process.stderr.write(`usage: npm run ${command} -- --stack <name> [--config-file <path>]\n`);
  return 2;
}

/** The stack as `pulumi up` would register it, rendered offline. */
export function renderedStack(stack: string, configFile?: string): Promise<Rendered> {
  return runOffline(loadRuntimeConfig(PROJECT_DIR, stack, configFile && resolve(configFile)), join(PROJECT_DIR, "index.ts"));
}

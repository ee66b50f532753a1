/**
 * A package.json script as `npm run --silent <name> -- <args>` runs it, without npm's own start (about 0.3 s and a
 * process more, each time): the script's command line, with this node, from the project folder. Only what a process
 * alone shows (its exit status, its streams, stdin) needs one; the rest runs in process (in-process.ts).
 */
import { spawnSync, type SpawnSyncOptionsWithStringEncoding } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run, type CommandResult, type RunOptions } from "../tools/shared/command";
import { PROJECT_DIR } from "./harness";

/** The script's command as file and arguments: `node <args>` run by this node. */
export function scriptCommand(name: string): { file: string; args: string[] } {
  const scripts = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")).scripts as Record<string, string>;
  const words = scripts[name]?.split(" ") ?? [];
  if (words[0] !== "node" || words.some((w) => /["'$&|;<>]/.test(w))) {
    throw new Error(`package.json script ${name} is not a plain node command line: run it with npm`);
  }
  return { file: process.execPath, args: words.slice(1) };
}

export function runScript(name: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const command = scriptCommand(name);
  return run(command.file, [...command.args, ...args], { cwd: PROJECT_DIR, ...opts });
}

/** The same, waiting for it: for what a test writes to its stdin. */
export function runScriptSync(name: string, args: readonly string[], opts: Omit<SpawnSyncOptionsWithStringEncoding, "encoding">) {
  const command = scriptCommand(name);
  return spawnSync(command.file, [...command.args, ...args], { cwd: PROJECT_DIR, encoding: "utf8", ...opts });
}

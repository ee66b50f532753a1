/** What the operator commands (render, livecheck, doctor) share: the project folder, arguments, the docker CLI. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { run } from "./command";
import { ArgumentError } from "./cli-errors";

export { lastLine, run, type CommandResult } from "./command";

/** The project folder: Pulumi.yaml, the stack files, index.ts. */
export const PROJECT_DIR = resolve(__dirname, "..");
/** The docker CLI to talk to Engines with (DOCKER_HOST and contexts apply). */
const DOCKER = process.env.ROBOTOFF_DOCKER_CLI || "docker";

/** The docker CLI against one Engine: `url` (ssh://, tcp://), or the default one when undefined. */
export const docker = (url: string | undefined, args: string[], timeoutMs?: number) =>
  run(DOCKER, [...(url ? ["-H", url] : []), ...args], { timeoutMs });

/** `--stack <name> [--config-file <path>]`; throws an ArgumentError that says what is wrong. */
export function stackArgs(argv: string[], command: string): { stack: string; configFile?: string } {
  const usage = `usage: npm run ${command} -- --stack <name> [--config-file <path>]`;
  let values;
  try {
    values = parseArgs({ args: argv, options: { stack: { type: "string" }, "config-file": { type: "string" } } }).values;
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${usage}`);
  }
  if (!values.stack) throw new ArgumentError(`--stack is required\n${usage}`);
  return { stack: values.stack, configFile: values["config-file"] && resolve(values["config-file"]) };
}

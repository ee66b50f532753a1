/** `--stack <name> [--config-file <path>]` and switches: livecheck's and doctor's arguments (render and ops add options and operands of their own). */
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ArgumentError, HelpRequested, helpWanted } from "./errors";

/**
 * A path the operator typed, from the folder they typed it in: `npm run` moves to the project folder and keeps
 * the caller's in INIT_CWD.
 */
export const callerPath = (path: string, env: NodeJS.ProcessEnv = process.env): string => resolve(env.INIT_CWD ?? process.cwd(), path);

/**
 * `--stack <name> [--config-file <path>]`, and the command's own switches (`flags`, e.g. `--preflight`);
 * throws an ArgumentError that says what is wrong.
 */
export function stackArgs(
  argv: string[],
  command: string,
  flags: readonly string[] = [],
  about = "",
): { stack: string; configFile?: string; flags: ReadonlySet<string> } {
  const usage = `usage: npm run ${command} -- --stack <name> [--config-file <path>]${flags.map((f) => ` [--${f}]`).join("")}`;
  if (helpWanted(argv)) throw new HelpRequested(about ? `${usage}\n${about}` : usage);
  let values;
  try {
    const options: NonNullable<ParseArgsConfig["options"]> = { stack: { type: "string" }, "config-file": { type: "string" } };
    for (const f of flags) options[f] = { type: "boolean" };
    values = parseArgs({ args: argv, options }).values as Record<string, string | boolean | undefined>;
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${usage}`);
  }
  if (!values.stack) throw new ArgumentError(`--stack is required\n${usage}`);
  const configFile = values["config-file"];
  return {
    stack: String(values.stack),
    configFile: typeof configFile === "string" ? callerPath(configFile) : undefined,
    flags: new Set(flags.filter((f) => values[f] === true)),
  };
}

/** What the operator commands (render, livecheck, doctor, ops) share: the project folder, arguments, the docker CLI. */
import { delimiter, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { run } from "./command";
import { ArgumentError } from "./cli-errors";
import { sshWrapperDir } from "./ssh-wrapper";
import type { HostSpec } from "../models/spec";

export { lastLine, run, type CommandResult } from "./command";

/** The project folder: Pulumi.yaml, the stack files, index.ts. */
export const PROJECT_DIR = resolve(__dirname, "..");
/** The docker CLI to talk to Engines with (DOCKER_HOST and contexts apply). */
export const dockerCli = () => process.env.ROBOTOFF_DOCKER_CLI || "docker";

/** The docker CLI against one Engine: `url` (ssh://, tcp://, unix://), or the default one when undefined. */
export const docker = (url: string | undefined, args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv) =>
  run(dockerCli(), [...(url ? ["-H", url] : []), ...args], { timeoutMs, env });

/**
 * `docker()` for a stack's hosts: an ssh:// host with sshOpts is reached with them, as the provider
 * reaches it (tools/ssh-wrapper.ts).
 */
export function dockerOn(hosts: readonly HostSpec[]): typeof docker {
  const envFor = dockerEnvOn(hosts);
  return (url, args, timeoutMs, env) => docker(url, args, timeoutMs, envFor(url) ? { ...env, ...envFor(url) } : env);
}

/** What the docker CLI's environment needs for one of a stack's hosts (an ssh:// host with sshOpts: its PATH). */
export function dockerEnvOn(hosts: readonly HostSpec[]): (url: string | undefined) => NodeJS.ProcessEnv | undefined {
  const pathFor = new Map<string, string>();
  for (const h of hosts) {
    if (h.url?.startsWith("ssh://") && h.sshOpts?.length) {
      pathFor.set(h.url, `${sshWrapperDir(h.sshOpts)}${delimiter}${process.env.PATH ?? ""}`);
    }
  }
  return (url) => (url && pathFor.has(url) ? { PATH: pathFor.get(url) } : undefined);
}

/**
 * `--stack <name> [--config-file <path>]`, and the command's own switches (`flags`, e.g. `--preflight`);
 * throws an ArgumentError that says what is wrong.
 */
export function stackArgs(argv: string[], command: string, flags: readonly string[] = []): { stack: string; configFile?: string; flags: ReadonlySet<string> } {
  const usage = `usage: npm run ${command} -- --stack <name> [--config-file <path>]${flags.map((f) => ` [--${f}]`).join("")}`;
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
    configFile: typeof configFile === "string" ? resolve(configFile) : undefined,
    flags: new Set(flags.filter((f) => values[f] === true)),
  };
}

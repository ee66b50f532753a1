/** What the operator commands (livecheck, doctor) share: arguments, the stack as rendered, child commands. */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadRuntimeConfig } from "./stack-file";
import { runOffline, type RecordedResource, type Rendered } from "./offline";
import { run } from "./command";

export { lastLine, run, type CommandResult } from "./command";

export const PROJECT_DIR = resolve(__dirname, "..");
/** The docker CLI to talk to Engines with (DOCKER_HOST and contexts apply). */
const DOCKER = process.env.ROBOTOFF_DOCKER_CLI || "docker";

/** The docker CLI against one Engine: `url` (ssh://, tcp://), or the default one when undefined. */
export const docker = (url: string | undefined, args: string[], timeoutMs?: number) =>
  run(DOCKER, [...(url ? ["-H", url] : []), ...args], { timeoutMs });

/** Where a resource runs: its host (named as in robotoff:hosts) and that Engine's url, none for `local`. */
export function placement(rendered: Rendered, resource: RecordedResource): { host: string; url?: string } {
  const provider = rendered.providers.get(`${resource.type}::${resource.name}`);
  if (!provider) return { host: "local" };
  const declared = rendered.resources.find((r) => r.type === "pulumi:providers:docker" && r.name === provider);
  // services/deployment.ts names a host's provider `<deployment>-host-<host>`.
  return { host: provider.replace(/^.*-host-/, ""), url: declared && String(declared.inputs.host) };
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

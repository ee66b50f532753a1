/** The docker runner every command uses: the docker CLI against one of a stack's Engines. */
import { delimiter } from "node:path";
import { run } from "./command";
import { sshWrapperDir } from "./ssh-wrapper";
import type { HostSpec } from "../../models/spec";

/** The docker CLI to talk to Engines with (DOCKER_HOST and contexts apply). */
export const dockerCli = () => process.env.ROBOTOFF_DOCKER_CLI || "docker";

/** The docker CLI against one Engine: `url` (ssh://, tcp://, unix://), or the default one when undefined. */
export const docker = (url: string | undefined, args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv) =>
  run(dockerCli(), [...(url ? ["-H", url] : []), ...args], { timeoutMs, env });

/** The docker CLI against one of a stack's Engines (`docker`'s signature). */
export type Docker = typeof docker;

/**
 * `docker()` for a stack's hosts: an ssh:// host with sshOpts is reached with them, as the provider
 * reaches it (tools/shared/ssh-wrapper.ts).
 */
export function dockerOn(hosts: readonly HostSpec[]): Docker {
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

/** The probe that tells whether an Engine answers: its version. */
export const engineVersion = (run: Docker, url: string | undefined, timeoutMs?: number) => run(url, ["version", "--format", "{{.Server.Version}}"], timeoutMs);

/**
 * The app and the exporters read their settings from the environment; Swarm hands secrets over as files
 * under /run/secrets. The bridge: a shell that reads each file into its variable, exports it, and execs the
 * image's own command. Values never enter the service spec, so `docker service inspect` shows file names only.
 */

/** Where Swarm mounts a service's secrets. */
export const SECRETS_DIR = "/run/secrets";

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `files` maps each variable to the file name of its secret. Returns the command Swarm runs instead of the
 * image's entrypoint: `/bin/sh -c '<reads>; exec "$0" "$@"' <exec...>`. A value keeps every byte but
 * trailing newlines (the shell's command substitution drops them).
 */
export function secretEnvCommand(files: Readonly<Record<string, string>>, exec: readonly string[], dir: string = SECRETS_DIR): string[] {
  if (exec.length === 0) throw new Error("the secret bridge needs the command it runs after reading the secrets");
  const reads = Object.entries(files).map(([variable, file]) => {
    if (!VARIABLE.test(variable)) throw new Error(`${variable} is not a variable name the shell can export`);
    if (!FILE_NAME.test(file)) throw new Error(`${file} is not a secret file name`);
    return `${variable}="$(cat '${dir}/${file}')" && export ${variable}`;
  });
  if (reads.length === 0) return [...exec];
  return ["/bin/sh", "-c", `${reads.join(" && ")} && exec "$0" "$@"`, ...exec];
}

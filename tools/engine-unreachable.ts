/**
 * Why a Docker host did not answer, and what fixes it, from what the docker CLI said. Over ssh:// the CLI
 * wraps ssh's own words ("... has exited with exit status 255 ...: stderr=<ssh's words>"); each cause names
 * the config key that decides it (robotoff:hosts.<host>.url or .sshOpts).
 */
import { lastLine, type CommandResult } from "./command";

/** ssh's own words inside the docker CLI's error (after `stderr=`), else the command's last line. */
export function sshWords(output: string): string {
  const i = output.lastIndexOf("stderr=");
  const words = i >= 0 ? output.slice(i + "stderr=".length) : output;
  return words
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^Could not chdir to home directory/.test(l))
    .join(" ");
}

/** The cause and fix for an ssh:// host, or undefined when the output says nothing this knows. */
export function explainSsh(host: string, url: string, output: string): string | undefined {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || "your user";
  const address = u.hostname;
  const urlKey = `robotoff:hosts.${host}.url`;
  const optsKey = `robotoff:hosts.${host}.sshOpts`;
  const words = sshWords(output);
  if (/Permission denied \(publickey/.test(words))
    return (
      `${address} refused the ssh key for ${user}: check the key that ${optsKey} names with -i (or your ssh agent), ` +
      `and that its public half is in ~${user}/.ssh/authorized_keys on ${address}`
    );
  if (/Host key for .* has changed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(words))
    return (
      `${address}'s host key is not the one known_hosts holds (a reinstalled host, or someone in between): ` +
      `check its fingerprint with the host's owner, then ssh-keygen -R ${address} and add the new key`
    );
  if (/host key is known|Host key verification failed/.test(words))
    return (
      `${address}'s host key is not in known_hosts: compare ssh-keyscan ${address} with the fingerprint on the host ` +
      `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it to known_hosts, or to the file ${optsKey} ` +
      `names with -o UserKnownHostsFile=...`
    );
  if (/Could not resolve hostname/.test(words)) return `${address} has no address in DNS: check ${urlKey}`;
  if (/Connection refused/.test(words)) return `${address} refuses ssh (no sshd listening on port ${u.port || 22}): check ${urlKey} and that sshd runs there`;
  if (/Connection timed out|No route to host|Network is unreachable|Operation timed out/.test(words))
    return `${address} does not answer on ssh port ${u.port || 22}: check ${urlKey}'s address, that the host is up, and that a firewall lets ssh through`;
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect to the Docker daemon/.test(output))
    return (
      `ssh to ${user}@${address} works, but the docker CLI there cannot reach its dockerd: start it on ${address} ` +
      `(sudo systemctl start docker) and check that ${user} is in the docker group`
    );
  if (/docker: (command )?not found|No such file or directory.*docker/.test(words))
    return `ssh to ${user}@${address} works, but ${user} has no docker CLI there (the provider runs docker system dial-stdio on the host): install docker there`;
  return undefined;
}

/** One line: the Docker host did not answer, why, and the fix where one is known. */
export function engineUnreachable(host: string, url: string | undefined, result: CommandResult): string {
  const at = url ? ` at ${url}` : "";
  const output = `${result.stderr}\n${result.stdout}`;
  const explained = url?.startsWith("ssh://") ? explainSsh(host, url, output) : undefined;
  if (explained) return `Docker Engine not reachable${at}: ${explained} (ssh said: ${sshWords(output)})`;
  return `Docker Engine not reachable${at}: ${lastLine(result)}`;
}

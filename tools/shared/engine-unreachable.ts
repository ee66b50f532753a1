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

/** Where an ssh:// host's url, key and known hosts are set: robotoff:hosts.<host>, or DOCKER_HOST and the ssh config. */
interface SshSettings {
  readonly url: string;
  readonly key: string;
  readonly knownHosts: string;
}

const stackSettings = (host: string): SshSettings => ({
  url: `robotoff:hosts.${host}.url`,
  key: `the key that robotoff:hosts.${host}.sshOpts names with -i`,
  knownHosts: `the file robotoff:hosts.${host}.sshOpts names with -o UserKnownHostsFile=...`,
});
const dockerHostSettings: SshSettings = {
  url: "DOCKER_HOST",
  key: "the key your ssh config (~/.ssh/config, IdentityFile) names for that host",
  knownHosts: "the file your ssh config names (~/.ssh/known_hosts unless UserKnownHostsFile says otherwise)",
};

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The cause and fix for an ssh:// host, or undefined when the output says nothing this knows. */
export function explainSsh(host: string, url: string, output: string, settings: SshSettings = stackSettings(host)): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // a url the WHATWG parser refuses: the CLI's own words say more
  }
  const user = decodeURIComponent(u.username) || "your user";
  const address = u.hostname;
  const port = u.port || 22;
  const words = sshWords(output);
  const loadKey = /Load key "([^"]+)": (.+?)(?:\s+\S+@\S+: Permission denied|$)/.exec(words);
  if (loadKey) return `this machine cannot use the ssh key ${loadKey[1]} (${loadKey[2]}): chmod 600 it, or check ${settings.key}`;
  if (/Permission denied \(publickey/.test(words))
    return `${address} refused the ssh key for ${user}: check ${settings.key} (or your ssh agent), and that its public half is in ~${user}/.ssh/authorized_keys on ${address}`;
  if (/Host key for .* has changed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(words))
    return (
      `${address}'s host key is not the one known_hosts holds (a reinstalled host, or someone in between): ` +
      `check its fingerprint with the host's owner, then ssh-keygen -R ${address} and add the new key`
    );
  if (/host key is known|Host key verification failed/.test(words))
    return (
      `${address}'s host key is not in known_hosts: compare ssh-keyscan ${address} with the fingerprint on the host ` +
      `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it to known_hosts, or to ${settings.knownHosts}`
    );
  // A message about another host: a jump host (-J, ProxyJump) on the way failed, not the Docker host.
  const other = /(?:connect to host|Could not resolve hostname) ([^\s:]+)/.exec(words)?.[1];
  if (other && other !== address) return `ssh could not reach ${other} on the way to ${address} (a jump host in the ssh options?): ${words}`;
  if (/Temporary failure in name resolution/.test(words))
    return `this machine could not ask DNS for ${address} (a temporary failure): check its resolver, then try again`;
  if (new RegExp(`Could not resolve hostname ${escaped(address)}`).test(words)) return `${address} has no address in DNS: check ${settings.url}`;
  if (/banner exchange/.test(words))
    return `${address} took the connection on port ${port} but sent no ssh banner (sshd overloaded, or another service on that port): check ${settings.url}'s port`;
  if (/Connection refused/.test(words)) return `${address} refuses ssh (no sshd listening on port ${port}): check ${settings.url} and that sshd runs there`;
  if (/Connection timed out|No route to host|Network is unreachable|Operation timed out/.test(words))
    return `${address} does not answer on ssh port ${port}: check ${settings.url}'s address, that the host is up, and that a firewall lets ssh through`;
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect to the Docker daemon/.test(output))
    return (
      `ssh to ${user}@${address} works, but the docker CLI there cannot reach its dockerd: start it on ${address} ` +
      `(sudo systemctl start docker) and check that ${user} is in the docker group`
    );
  if (/docker: (command )?not found|No such file or directory.*docker/.test(words))
    return `ssh to ${user}@${address} works, but ${user} has no docker CLI there (the provider runs docker system dial-stdio on the host): install docker there`;
  return undefined;
}

/**
 * One line: the Docker host did not answer, why, and the fix where one is known. A host without a url is
 * the default Engine: DOCKER_HOST, when that is an ssh:// url, is explained the same way.
 */
export function engineUnreachable(host: string, url: string | undefined, result: CommandResult, env: NodeJS.ProcessEnv = process.env): string {
  const at = url ? ` at ${url}` : "";
  const output = `${result.stderr}\n${result.stdout}`;
  const dockerHost = !url && env.DOCKER_HOST?.startsWith("ssh://") ? env.DOCKER_HOST : undefined;
  const explained = url?.startsWith("ssh://")
    ? explainSsh(host, url, output)
    : dockerHost
      ? explainSsh(host, dockerHost, output, dockerHostSettings)
      : undefined;
  if (explained) return `Docker Engine not reachable${dockerHost ? ` at DOCKER_HOST=${dockerHost}` : at}: ${explained} (ssh said: ${sshWords(output)})`;
  return `Docker Engine not reachable${at}: ${lastLine(result)}`;
}

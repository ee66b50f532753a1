/**
 * Why a Docker host did not answer (tools/shared/engine-unreachable.ts), from what the docker CLI 28 said in the test
 * bed (test/hosts/bed.ts) for each mistake an operator makes with robotoff:hosts; the engine tier checks
 * the same through doctor on the real hosts (test/engine/hosts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { engineUnreachable, explainSsh, sshWords } from "../../../tools/shared/engine-unreachable";

const URL = "ssh://deploy@10.231.7.3";
/** The docker CLI's wrapping of ssh's words, as it printed it in the bed. */
const cli = (sshSaid: string) =>
  `error during connect: Get "http://docker.example.com/v1.50/version": command [ssh -o ConnectTimeout=30 -T -l deploy -- 10.231.7.3 docker system dial-stdio] ` +
  `has exited with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=${sshSaid}`;
const failed = (stderr: string) => ({ code: 1, stdout: "", stderr });

describe("sshWords", () => {
  it("takes ssh's words after the CLI's stderr=, joined on one line", () => {
    expect(sshWords(cli("No ED25519 host key is known for 10.231.7.3 and you have requested strict checking.\nHost key verification failed."))).toBe(
      "No ED25519 host key is known for 10.231.7.3 and you have requested strict checking. Host key verification failed.",
    );
  });
  it("drops the chdir notice a user without a home gets, and keeps a text without stderr= whole", () => {
    expect(sshWords("Could not chdir to home directory /nonexistent: No such file or directory\nCannot connect to the Docker daemon")).toBe(
      "Cannot connect to the Docker daemon",
    );
  });
});

describe("explainSsh: each mistake names its cause, the config key and the fix", () => {
  it("a key the host refuses: the sshOpts key and authorized_keys", () => {
    expect(explainSsh("ml", URL, cli("deploy@10.231.7.3: Permission denied (publickey)."))).toBe(
      "10.231.7.3 refused the ssh key for deploy: check the key that robotoff:hosts.ml.sshOpts names with -i (or your ssh agent), " +
        "and that its public half is in ~deploy/.ssh/authorized_keys on 10.231.7.3",
    );
  });
  it("a host key not in known_hosts: keyscan, compare, add (to the file sshOpts names)", () => {
    const said = explainSsh(
      "ml",
      URL,
      cli("No ED25519 host key is known for 10.231.7.3 and you have requested strict checking.\nHost key verification failed."),
    );
    expect(said).toMatch(/^10\.231\.7\.3's host key is not in known_hosts: compare ssh-keyscan 10\.231\.7\.3 /);
    expect(said).toContain("robotoff:hosts.ml.sshOpts names with -o UserKnownHostsFile=");
  });
  it("a host key that changed is not taken for a missing one", () => {
    const said = explainSsh("ml", URL, cli("Host key for 10.231.7.3 has changed and you have requested strict checking.\nHost key verification failed."));
    expect(said).toMatch(/^10\.231\.7\.3's host key is not the one known_hosts holds .*ssh-keygen -R 10\.231\.7\.3/);
  });
  it("an address that does not answer: the url key, the host, the firewall", () => {
    expect(explainSsh("ml", URL, cli("ssh: connect to host 10.231.7.3 port 22: Connection timed out"))).toBe(
      "10.231.7.3 does not answer on ssh port 22: check robotoff:hosts.ml.url's address, that the host is up, and that a firewall lets ssh through",
    );
    expect(explainSsh("ml", URL, cli("ssh: connect to host 10.231.7.3 port 22: No route to host"))).toMatch(/does not answer on ssh port 22/);
  });
  it("a host with no sshd, on the url's own port", () => {
    expect(explainSsh("ml", "ssh://deploy@10.231.7.3:2222", cli("ssh: connect to host 10.231.7.3 port 2222: Connection refused"))).toBe(
      "10.231.7.3 refuses ssh (no sshd listening on port 2222): check robotoff:hosts.ml.url and that sshd runs there",
    );
  });
  it("a name DNS does not know", () => {
    expect(explainSsh("ml", "ssh://deploy@ml.invalid", cli("ssh: Could not resolve hostname ml.invalid: Name or service not known"))).toBe(
      "ml.invalid has no address in DNS: check robotoff:hosts.ml.url",
    );
  });
  it("ssh works but dockerd does not answer there (the CLI says only 'Cannot connect')", () => {
    expect(explainSsh("ml", URL, "Cannot connect to the Docker daemon at http://docker.example.com. Is the docker daemon running?")).toBe(
      "ssh to deploy@10.231.7.3 works, but the docker CLI there cannot reach its dockerd: start it on 10.231.7.3 (sudo systemctl start docker) " +
        "and check that deploy is in the docker group",
    );
  });
  it("no docker CLI on the host", () => {
    expect(explainSsh("ml", URL, cli("sh: 1: docker: not found"))).toMatch(/^ssh to deploy@10\.231\.7\.3 works, but deploy has no docker CLI there/);
  });
  it("a key file this machine cannot use is this machine's problem, not the host's", () => {
    const said = cli('Load key "/home/runner/.ssh/id": bad permissions\ndeploy@10.231.7.3: Permission denied (publickey).');
    expect(explainSsh("ml", URL, said)).toBe(
      "this machine cannot use the ssh key /home/runner/.ssh/id (bad permissions): chmod 600 it, or check the key that robotoff:hosts.ml.sshOpts names with -i",
    );
  });
  it("a jump host that fails is named, not taken for the Docker host", () => {
    expect(explainSsh("ml", URL, cli("ssh: connect to host bastion port 22: Connection refused"))).toBe(
      "ssh could not reach bastion on the way to 10.231.7.3 (a jump host in the ssh options?): ssh: connect to host bastion port 22: Connection refused",
    );
    expect(explainSsh("ml", URL, cli("ssh: Could not resolve hostname bastion: Name or service not known"))).toMatch(/^ssh could not reach bastion on the way/);
  });
  it("a resolver that did not answer is not a wrong url", () => {
    const said = cli("ssh: Could not resolve hostname ml.example.org: Temporary failure in name resolution");
    expect(explainSsh("ml", "ssh://deploy@ml.example.org", said)).toBe(
      "this machine could not ask DNS for ml.example.org (a temporary failure): check its resolver, then try again",
    );
  });
  it("a connection that got no ssh banner is not an unreachable host", () => {
    expect(explainSsh("ml", URL, cli("Connection timed out during banner exchange\nConnection to 10.231.7.3 port 22 timed out"))).toBe(
      "10.231.7.3 took the connection on port 22 but sent no ssh banner (sshd overloaded, or another service on that port): check robotoff:hosts.ml.url's port",
    );
  });
  it("a url the URL parser refuses gets no explanation rather than a crash", () => {
    expect(explainSsh("ml", "ssh://deploy@ml:2a22", cli("ssh: connect to host ml port 22: Connection refused"))).toBeUndefined();
  });
  it("says nothing of what it does not know", () => {
    expect(explainSsh("ml", URL, cli("kex_exchange_identification: read: Connection reset by peer"))).toBeUndefined();
  });
});

describe("engineUnreachable", () => {
  it("over ssh: the explanation, then ssh's own words", () => {
    expect(engineUnreachable("ml", URL, failed(cli("ssh: connect to host 10.231.7.3 port 22: Connection refused")))).toBe(
      "Docker Engine not reachable at ssh://deploy@10.231.7.3: 10.231.7.3 refuses ssh (no sshd listening on port 22): check robotoff:hosts.ml.url " +
        "and that sshd runs there (ssh said: ssh: connect to host 10.231.7.3 port 22: Connection refused)",
    );
  });
  it("over ssh, unexplained: the CLI's last line as before", () => {
    expect(engineUnreachable("ml", URL, failed("first\nsomething new"))).toBe("Docker Engine not reachable at ssh://deploy@10.231.7.3: something new");
  });
  it("the default Engine at DOCKER_HOST=ssh://...: explained with DOCKER_HOST and the ssh config in place of robotoff:hosts", () => {
    const env = { DOCKER_HOST: "ssh://deploy@10.231.7.2" };
    expect(engineUnreachable("local", undefined, failed(cli("deploy@10.231.7.2: Permission denied (publickey).")), env)).toBe(
      "Docker Engine not reachable at DOCKER_HOST=ssh://deploy@10.231.7.2: 10.231.7.2 refused the ssh key for deploy: check the key your ssh config " +
        "(~/.ssh/config, IdentityFile) names for that host (or your ssh agent), and that its public half is in ~deploy/.ssh/authorized_keys on 10.231.7.2 " +
        "(ssh said: deploy@10.231.7.2: Permission denied (publickey).)",
    );
    expect(engineUnreachable("local", undefined, failed(cli("ssh: connect to host 10.231.7.2 port 22: Connection refused")), env)).toMatch(
      /: 10\.231\.7\.2 refuses ssh \(no sshd listening on port 22\): check DOCKER_HOST and that sshd runs there /,
    );
  });
  it("a unix:// or default Engine keeps the CLI's last line (no ssh in the way)", () => {
    const down = failed("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
    expect(engineUnreachable("local", undefined, down, {})).toBe(
      "Docker Engine not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    );
    expect(engineUnreachable("main", "tcp://main:2376", down)).toMatch(/^Docker Engine not reachable at tcp:\/\/main:2376: Cannot connect/);
  });
});

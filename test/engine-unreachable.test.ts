/**
 * Why a Docker host did not answer (tools/engine-unreachable.ts), from what the docker CLI 28 said in the test
 * bed (test/hosts/bed.ts) for each mistake an operator makes with robotoff:hosts; the engine tier checks
 * the same through doctor on the real hosts (test/engine/hosts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { engineUnreachable, explainSsh, sshWords } from "../tools/engine-unreachable";

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
  it("a unix:// or default Engine keeps the CLI's last line (no ssh in the way)", () => {
    const down = failed("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
    expect(engineUnreachable("local", undefined, down)).toBe(
      "Docker Engine not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    );
    expect(engineUnreachable("main", "tcp://main:2376", down)).toMatch(/^Docker Engine not reachable at tcp:\/\/main:2376: Cannot connect/);
  });
});

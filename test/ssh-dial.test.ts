/**
 * The ssh command the engine tier runs to reach an ssh:// host (test/hosts/ssh-dial.ts), as docker/cli's
 * connhelper builds it for the provider: the stack's sshOpts first, a connect timeout and -T unless they
 * set them, then the url's user, port and host, then `docker system dial-stdio`.
 */
import { describe, expect, it } from "vitest";
import { dialStdioArgs } from "./hosts/ssh-dial";

describe("dialStdioArgs", () => {
  it("puts the stack's sshOpts first, then ConnectTimeout=30 and -T, then -l user -- host docker system dial-stdio", () => {
    expect(dialStdioArgs("ssh://deploy@ml.openfoodfacts.org", ["-i", "/k", "-o", "StrictHostKeyChecking=yes"])).toEqual([
      "-i",
      "/k",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "ConnectTimeout=30",
      "-T",
      "-l",
      "deploy",
      "--",
      "ml.openfoodfacts.org",
      "docker",
      "system",
      "dial-stdio",
    ]);
  });
  it("keeps a ConnectTimeout and a -T the options set, and passes the url's port", () => {
    expect(dialStdioArgs("ssh://deploy@10.0.0.5:2222", ["-o", "ConnectTimeout=3", "-T"])).toEqual([
      "-o",
      "ConnectTimeout=3",
      "-T",
      "-l",
      "deploy",
      "-p",
      "2222",
      "--",
      "10.0.0.5",
      "docker",
      "system",
      "dial-stdio",
    ]);
  });
  it("names no user when the url has none, and a socket path in the url as the remote docker's --host", () => {
    expect(dialStdioArgs("ssh://ml/run/user/1000/docker.sock", [])).toEqual([
      "-o",
      "ConnectTimeout=30",
      "-T",
      "--",
      "ml",
      "docker",
      "--host",
      "unix:///run/user/1000/docker.sock",
      "system",
      "dial-stdio",
    ]);
  });
  it("refuses a url that is not ssh://", () => {
    expect(() => dialStdioArgs("tcp://ml:2376", [])).toThrow("not an ssh:// url: tcp://ml:2376");
  });
});

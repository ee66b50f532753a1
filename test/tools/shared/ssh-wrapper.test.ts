import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { sshWrapperDir, sshWrapperScript, which } from "../../../tools/shared/ssh-wrapper";

/** A stand-in `ssh` that records its arguments, one per line. */
function fakeSsh(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-ssh-"));
  const log = join(dir, "args");
  writeFileSync(join(dir, "ssh"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${log}\n`, { mode: 0o755 });
  return { dir, log };
}

describe("ssh wrapper for the docker CLI (robotoff:hosts.<name>.sshOpts)", () => {
  it("runs the real ssh with the host's options first, then the docker CLI's arguments, quoting intact", () => {
    const fake = fakeSsh();
    const opts = ["-i", "/keys/robotoff deploy", "-o", "StrictHostKeyChecking=yes", "-o", "ProxyCommand=it's"];
    const dir = sshWrapperDir(opts, fake.dir);
    expect(which("ssh", `${dir}${delimiter}${fake.dir}`)).toBe(join(dir, "ssh"));
    execFileSync(join(dir, "ssh"), ["-o", "ConnectTimeout=30", "-T", "-l", "deploy", "--", "ml", "docker", "system", "dial-stdio"]);
    expect(readFileSync(fake.log, "utf8").trim().split("\n")).toEqual([
      ...opts,
      "-o",
      "ConnectTimeout=30",
      "-T",
      "-l",
      "deploy",
      "--",
      "ml",
      "docker",
      "system",
      "dial-stdio",
    ]);
    for (const d of [dir, fake.dir]) rmSync(d, { recursive: true, force: true });
  });
  it("execs the ssh it found, by absolute path, so that it never calls itself", () => {
    expect(sshWrapperScript("/usr/bin/ssh", ["-i", "k"])).toBe(`#!/bin/sh\nexec '/usr/bin/ssh' '-i' 'k' "$@"\n`);
  });
  it("says when there is no ssh client at all", () => {
    expect(() => sshWrapperDir(["-i", "k"], mkdtempSync(join(tmpdir(), "empty-")))).toThrow(/no ssh client on PATH/);
  });
});

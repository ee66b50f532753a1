/**
 * The docker CLI reaches an ssh:// Engine through the `ssh` on its PATH, with no way to add options. The
 * provider runs `ssh [sshOpts] ...` for a host with `robotoff:hosts.<name>.sshOpts`; the tools do the same
 * by putting first on the docker CLI's PATH an `ssh` that adds those options, then runs the real one.
 */
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { shellQuote } from "../../models/shell";

/** The first executable `name` on a PATH. */
export function which(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The wrapper's text: the real ssh with the options first, then whatever the docker CLI passes. */
export function sshWrapperScript(realSsh: string, sshOpts: readonly string[]): string {
  return `#!/bin/sh\nexec ${[realSsh, ...sshOpts].map(shellQuote).join(" ")} "$@"\n`;
}

/** A folder holding the wrapper, for the front of PATH; removed when the process exits. */
export function sshWrapperDir(sshOpts: readonly string[], path = process.env.PATH ?? ""): string {
  const real = which("ssh", path);
  if (!real) throw new Error("no ssh client on PATH: the docker CLI needs one to reach an ssh:// Docker host");
  const dir = mkdtempSync(join(tmpdir(), "robotoff-ssh-"));
  writeFileSync(join(dir, "ssh"), sshWrapperScript(real, sshOpts), { mode: 0o755 });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

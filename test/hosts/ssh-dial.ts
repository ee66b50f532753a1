/**
 * An ssh:// Docker host reached the way the docker provider reaches it: kreuzwerker's provider config calls
 * docker/cli's connhelper.GetConnectionHelperWithSSHOpts(host, sshOpts), which runs, per connection,
 *   ssh <sshOpts> [-o ConnectTimeout=30] [-T] -l <user> [-p <port>] -- <host> docker system dial-stdio
 * and speaks the Engine API over that process's stdin and stdout. Here a local Unix socket stands for that
 * dialer: each connection to it runs the same command, so the replay (engineAt) uses it like any socket.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The ssh arguments connhelper builds for an ssh:// url (user, port and path as docker/cli's ssh.ParseURL reads them). */
export function dialStdioArgs(url: string, sshOpts: readonly string[]): string[] {
  const u = new URL(url);
  if (u.protocol !== "ssh:") throw new Error(`not an ssh:// url: ${url}`);
  const flags = [...sshOpts];
  if (!flags.some((f) => /ConnectTimeout/i.test(f))) flags.push("-o", "ConnectTimeout=30");
  if (!flags.includes("-T")) flags.push("-T");
  const docker = ["docker", ...(u.pathname && u.pathname !== "/" ? ["--host", `unix://${u.pathname}`] : []), "system", "dial-stdio"];
  return [...flags, ...(u.username ? ["-l", decodeURIComponent(u.username)] : []), ...(u.port ? ["-p", u.port] : []), "--", u.hostname, ...docker];
}

export interface SshDial {
  /** The local socket to give engineAt. */
  readonly socketPath: string;
  /** The last thing an ssh process said on stderr before it failed (why a dial failed). */
  readonly lastError: () => string;
  readonly close: () => Promise<void>;
}

/** Listens on a temporary Unix socket; every connection is one `ssh ... docker system dial-stdio`. */
export async function sshDial(url: string, sshOpts: readonly string[], ssh = "ssh"): Promise<SshDial> {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-ssh-dial-"));
  const socketPath = join(dir, "engine.sock");
  const args = dialStdioArgs(url, sshOpts);
  let lastError = "";
  const open = new Set<Socket>();
  const server = createServer((conn) => {
    open.add(conn);
    const child = spawn(ssh, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => {
      lastError = err.message;
      conn.destroy();
    });
    // "close", not "exit": ssh's last bytes on stdout are read by then.
    child.on("close", (code) => {
      if (code !== 0 && stderr.trim()) lastError = stderr.trim();
      conn.end();
    });
    child.stdin.on("error", () => conn.destroy()); // EPIPE once ssh has gone
    conn.pipe(child.stdin);
    child.stdout.pipe(conn);
    conn.on("error", () => child.kill());
    conn.on("close", () => {
      open.delete(conn);
      child.stdin.end();
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socketPath, resolve));
  return {
    socketPath,
    lastError: () => lastError,
    close: async () => {
      for (const c of open) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

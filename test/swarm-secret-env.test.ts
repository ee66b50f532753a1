/** The secret bridge (services/swarm/secret-env.ts), run by a real /bin/sh over real files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../tools/shared/command";
import { freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({ ...(await import("../services/swarm/secret-env")), ...(await import("../services/swarm/image-defaults")) }));

describe("secretEnvCommand", () => {
  it("exports each file's content into its variable, then execs the command with its arguments intact", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secret-env-"));
    const tricky = `p@ss w'rd "$HOME" \`id\` $(id) \\ ;|&\n\nline3`;
    writeFileSync(join(dir, "postgresPassword"), tricky);
    writeFileSync(join(dir, "ipcAuthkey"), "key\n");
    const command = m.secretEnvCommand(
      { POSTGRES_PASSWORD: "postgresPassword", IPC_AUTHKEY: "ipcAuthkey" },
      ["/bin/sh", "-c", 'printf "%s|%s|%s|%s" "$POSTGRES_PASSWORD" "$IPC_AUTHKEY" "$0" "$1"', "a b", "c"],
      dir,
    );
    const r = await run(command[0], command.slice(1));
    expect(r.code).toBe(0);
    // Every byte kept but the trailing newline (command substitution drops it).
    expect(r.stdout).toBe(`${tricky}|key|a b|c`);
  });
  it("stops before running the command when a secret file is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secret-env-"));
    const command = m.secretEnvCommand({ X: "absent" }, ["/bin/echo", "ran"], dir);
    const r = await run(command[0], command.slice(1));
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("ran");
  });
  it("puts no value in the command, only file names", () => {
    expect(m.secretEnvCommand({ A: "a" }, ["x"])).toEqual(["/bin/sh", "-c", `A="$(cat '/run/secrets/a')" && export A && exec "$0" "$@"`, "x"]);
  });
  it("refuses a variable the shell cannot export and a file name that is a path", () => {
    expect(() => m.secretEnvCommand({ "bootstrap.memory_lock": "a" }, ["x"])).toThrow(/variable/);
    expect(() => m.secretEnvCommand({ A: "../etc/passwd" }, ["x"])).toThrow(/file name/);
  });
  it("leaves a command without secrets as it is", () => {
    expect(m.secretEnvCommand({}, ["x", "y"])).toEqual(["x", "y"]);
  });
});

describe("effectiveCommand (Docker's rule for ENTRYPOINT and CMD)", () => {
  it("keeps the image's entrypoint and CMD where the spec sets neither", () => {
    expect(m.effectiveCommand("robotoff", undefined, undefined)).toEqual([
      "/bin/sh",
      "-c",
      "/docker-entrypoint.sh $0 $@",
      "gunicorn",
      "--config /opt/robotoff/gunicorn.py",
      "--log-file=-",
      "robotoff.app.api:api",
    ]);
  });
  it("replaces the CMD with the spec's command, behind the image's entrypoint", () => {
    expect(m.effectiveCommand("postgres", undefined, ["postgres", "-c", "a=b"])).toEqual(["docker-entrypoint.sh", "postgres", "-c", "a=b"]);
    expect(m.effectiveCommand("postgres")).toEqual(["docker-entrypoint.sh", "postgres"]);
    expect(m.effectiveCommand("postgres-exporter")).toEqual(["/bin/postgres_exporter"]);
  });
  it("drops the image's CMD when the spec sets an entrypoint", () => {
    expect(m.effectiveCommand("robotoff", ["/bin/true"], undefined)).toEqual(["/bin/true"]);
    expect(m.effectiveCommand("unknown", ["/bin/x"], ["a"])).toEqual(["/bin/x", "a"]);
  });
  it("refuses an image whose entrypoint it does not know", () => {
    expect(() => m.effectiveCommand("tf-serving", undefined, ["x"])).toThrow(
      "no entrypoint known for image tf-serving: state it in services/swarm/image-defaults.ts",
    );
  });
});

/**
 * The backup service: its config (defaults per environment, validation), its spec, and its script run
 * by this machine's sh with stand-in pg_dump / pg_restore (the real ones run in the engine tier).
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BACKUP_SH, secondsOfDay } from "../models/backup";
import { run } from "../tools/shared/command";
import { planStackFile } from "../tools/shared/stack-file";
import { PROJECT_DIR, stackFileWith } from "./harness";

/** The stack's file with some top-level keys' fields set (merged one level down). */
const stackFile = (stack: string, overlay: Record<string, any>): string =>
  stackFileWith(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), (config) => {
    for (const [key, value] of Object.entries(overlay)) {
      const old = config[key];
      config[key] = typeof value === "object" && !Array.isArray(value) && typeof old === "object" ? { ...old, ...value } : value;
    }
  });
const backupOf = (stack: string, file?: string) => planStackFile(PROJECT_DIR, stack, file).plan.spec.services.find((s) => s.name === "postgres_backup");

describe("backup config", () => {
  it("is on in staging and prod, off in dev, unless config says otherwise", () => {
    expect(backupOf("staging-2022")?.host).toBe("local");
    expect(backupOf("prod-2022")?.binds).toEqual([{ hostPath: "/srv/robotoff/backups", containerPath: "/backups", readOnly: false }]);
    expect(backupOf("dev-2022")).toBeUndefined();
    expect(backupOf("dev-2022", stackFile("dev-2022", { "robotoff:postgres": { backup: { enabled: true } } }))?.dependsOn).toEqual(["postgres"]);
  });
  it("takes the time, the number kept and the folder from config", () => {
    const spec = backupOf("prod-2022", stackFile("prod-2022", { "robotoff:postgres": { backup: { at: "21:30", keep: 3, dir: "/var/backups/robotoff" } } }))!;
    expect(spec.env).toMatchObject({ BACKUP_AT: "21:30", BACKUP_AT_SECONDS: String(21 * 3600 + 30 * 60), BACKUP_KEEP: "3" });
    expect(spec.binds[0].hostPath).toBe("/var/backups/robotoff");
  });
  it("refuses a time that is not HH:MM, a keep below 1, a relative folder, naming each key", () => {
    const bad = stackFile("prod-2022", { "robotoff:postgres": { backup: { at: "3am", keep: 0, dir: "backups" } } });
    expect(() => planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(/robotoff:postgres\.backup\.at: expected a time of day in UTC like 03:00/);
    expect(() => planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(/robotoff:postgres\.backup\.keep: expected at least 1/);
    expect(() => planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(/robotoff:postgres\.backup\.dir: expected an absolute, normalized host path/);
  });
  it("counts a daily time in seconds after midnight UTC", () => {
    expect([secondsOfDay("00:00"), secondsOfDay("03:00"), secondsOfDay("23:59")]).toEqual([0, 10800, 86340]);
  });
});

describe("robotoff:stopped", () => {
  it("marks the services named as kept stopped", () => {
    const spec = planStackFile(PROJECT_DIR, "prod-2022", stackFile("prod-2022", { "robotoff:stopped": ["scheduler"] })).plan.spec;
    expect(spec.services.filter((s) => s.stopped).map((s) => s.name)).toEqual(["scheduler"]);
  });
  it("refuses a service the stack does not run, and a name that is no service", () => {
    expect(() => planStackFile(PROJECT_DIR, "dev-2022", stackFile("dev-2022", { "robotoff:stopped": ["statsd"] }))).toThrow(
      /robotoff:stopped: expected services this stack runs \(.*\), found \["statsd"\]/,
    );
    expect(() => planStackFile(PROJECT_DIR, "dev-2022", stackFile("dev-2022", { "robotoff:stopped": ["redis"] }))).toThrow(
      /robotoff:stopped\[0\]: expected one of "api"/,
    );
    // The fix in the form `pulumi config set --path` takes an array's item (issue 26).
    expect(() => planStackFile(PROJECT_DIR, "dev-2022", stackFile("dev-2022", { "robotoff:stopped": ["redis"] }))).toThrow(
      /fix: pulumi config set --path 'robotoff:stopped\[0\]' <value> --stack dev-2022/,
    );
  });
  it("takes it on the swarm target too (the service keeps no task: test/stopped.test.ts)", () => {
    const file = stackFileWith(
      join(__dirname, "fixtures/Pulumi.staging-swarm.yaml"),
      (config) => (config["robotoff:stopped"] = ["scheduler"]),
      "Pulumi.staging-2022.yaml",
    );
    expect(
      planStackFile(PROJECT_DIR, "staging-2022", file)
        .plan.spec.services.filter((s) => s.stopped)
        .map((s) => s.name),
    ).toEqual(["scheduler"]);
  });
});

/** A folder with stand-in pg_dump and pg_restore: a dump is "PGDMP <db>", written slowly or failing on demand. */
function standInTools(): string {
  const bin = mkdtempSync(join(tmpdir(), "robotoff-pgbin-"));
  writeFileSync(
    join(bin, "pg_dump"),
    `#!/bin/sh
for a; do case "$a" in --file=*) out="\${a#--file=}" ;; esac; done
printf 'PGDMP %s\\n' "$PGDATABASE" > "$out"
case "$FAKE_PG_DUMP" in
  fail) echo "pg_dump: error: connection to server at \\"$PGHOST\\" failed" >&2; exit 1 ;;
  hang) touch "$out.started"; sleep 30 ;;
esac
`,
  );
  writeFileSync(
    join(bin, "pg_restore"),
    `#!/bin/sh
[ "$1" = "--list" ] || { echo "restore $*"; exit 0; }
read -r magic db < "$2" 2>/dev/null
[ "$magic" = PGDMP ] || { echo "pg_restore: error: input file does not appear to be a valid archive" >&2; exit 1; }
printf ';\\n; Archive created at 2026-11-29 03:00:00 UTC\\n;     dbname: %s\\n;     TOC Entries: 8\\n' "$db"
`,
  );
  chmodSync(join(bin, "pg_dump"), 0o755);
  chmodSync(join(bin, "pg_restore"), 0o755);
  return bin;
}

function backupEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${standInTools()}:${process.env.PATH}`,
    BACKUP_DIR: dir,
    BACKUP_PREFIX: "robotoff",
    BACKUP_KEEP: "2",
    BACKUP_AT: "03:00",
    BACKUP_AT_SECONDS: "10800",
    PGDATABASE: "robotoff",
    PGHOST: "postgres",
    ...extra,
  };
}
const script = (env: NodeJS.ProcessEnv, ...args: string[]) => run("sh", ["-c", BACKUP_SH, "backup.sh", ...args], { env });
const newDir = () => mkdtempSync(join(tmpdir(), "robotoff-dumps-"));
const dumps = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".dump"))
    .sort();

// Side by side: each test has its own folder and waits on its own shell.
describe.concurrent("backup.sh", () => {
  it("once: writes <db>-<UTC time>.dump and prints its path", async () => {
    const dir = newDir();
    const r = await script(backupEnv(dir), "once");
    expect(r.code).toBe(0);
    expect(dumps(dir)).toEqual([expect.stringMatching(/^robotoff-\d{8}T\d{6}Z\.dump$/)]);
    expect(r.stdout).toBe(join(dir, dumps(dir)[0]));
  });
  it("keeps the last BACKUP_KEEP dumps, newest first, and nothing else is touched", async () => {
    const dir = newDir();
    // Earlier days' dumps (names sort by time), and files that are not the stack's dumps.
    const earlier = ["robotoff-20261127T030000Z.dump", "robotoff-20261128T030000Z.dump", "robotoff-20261126T030000Z.dump"];
    const others = ["notes.txt", "other-20261101T030000Z.dump", "robotoff-20261101T030000Z.dump.bak"];
    for (const f of [...earlier, ...others]) writeFileSync(join(dir, f), "x");
    const r = await script(backupEnv(dir), "once");
    expect(r.code).toBe(0);
    const written = r.stdout.slice(dir.length + 1);
    expect(dumps(dir).filter((f) => f.startsWith("robotoff-"))).toEqual(["robotoff-20261128T030000Z.dump", written].sort());
    for (const f of others) expect(readdirSync(dir)).toContain(f);
  });
  it("a failed dump: no file under a dump's name, exit 1, and a failure note the healthcheck prints", async () => {
    const dir = newDir();
    const r = await script(backupEnv(dir, { FAKE_PG_DUMP: "fail" }), "once");
    expect(r.code).toBe(1);
    expect(dumps(dir)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".partial"))).toEqual([]);
    expect(readFileSync(join(dir, ".last-failure"), "utf8")).toMatch(/^last dump failed at .*: pg_dump of robotoff on postgres/);
    expect(r.stderr).toMatch(/backup: FAILED: dump of robotoff not written/);
    // The next good dump clears it.
    expect((await script(backupEnv(dir), "once")).code).toBe(0);
    expect(existsSync(join(dir, ".last-failure"))).toBe(false);
  });
  it("a dump killed half-way leaves only its partial file, which the loop removes when it starts", async () => {
    const dir = newDir();
    // Its own process group, so that the kill reaches pg_dump too, as a container's kill does.
    const child = spawn("sh", ["-c", BACKUP_SH, "backup.sh", "once"], { env: backupEnv(dir, { FAKE_PG_DUMP: "hang" }), detached: true, stdio: "ignore" });
    for (let i = 0; i < 100 && !readdirSync(dir).some((f) => f.endsWith(".started")); i++) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise((r) => child.on("exit", r));
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    expect(dumps(dir)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".partial"))).toHaveLength(1);
    const loop = spawn("sh", ["-c", BACKUP_SH, "backup.sh", "loop"], { env: backupEnv(dir), detached: true, stdio: "ignore" });
    for (let i = 0; i < 100 && readdirSync(dir).some((f) => f.endsWith(".partial")); i++) await new Promise((r) => setTimeout(r, 50));
    const stopped = new Promise((r) => loop.on("exit", r));
    process.kill(-loop.pid!, "SIGTERM");
    await stopped;
    expect(readdirSync(dir).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });
  it("check: refuses a file that is no custom-format dump, or a dump of another database", async () => {
    const dir = newDir();
    mkdirSync(join(dir, "x"));
    writeFileSync(join(dir, "plain.sql"), "CREATE TABLE t ();\n");
    writeFileSync(join(dir, "other.dump"), "PGDMP off\n");
    writeFileSync(join(dir, "ours.dump"), "PGDMP robotoff\n");
    const env = backupEnv(dir);
    expect((await script(env, "check", join(dir, "plain.sql"))).stderr).toMatch(
      /plain\.sql is not a pg_dump custom-format archive: pg_restore: error: input file does not appear/,
    );
    expect((await script(env, "check", join(dir, "other.dump"))).stderr).toBe(`${join(dir, "other.dump")} is a dump of database 'off', not of 'robotoff'`);
    expect((await script(env, "check", join(dir, "missing.dump"))).code).toBe(1);
    expect((await script(env, "check", join(dir, "ours.dump"))).code).toBe(0);
    const restore = await script(env, "restore", join(dir, "ours.dump"));
    expect(restore.stdout).toBe(`restore --clean --if-exists --single-transaction --exit-on-error --dbname=robotoff ${join(dir, "ours.dump")}`);
    expect((await script(env, "restore", join(dir, "other.dump"))).code).toBe(1);
  });
});

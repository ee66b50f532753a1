/**
 * Issue 10 on the real Engine: the staging stack replayed with the tier's names (no host port published),
 * then `npm run ops` against its containers: ps, logs, stop/start/restart, exec, and the database backup
 * round trip (rows written, backup, rows changed, restore, rows as at backup time), a dump killed
 * half-way, retention, a failed dump in livecheck. Real PostgreSQL 15 in the postgres stand-in.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { stackFileWith } from "../harness";
import { engineAnswers } from "./engine-api";
import { inspectContainer } from "./replay";
import { applyStack, daemonUlimits, PREFIX, prepareStack, PROJECT_DIR, removeStack, type StackUnderTest } from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[backup] ${line}\n`);
const LABEL = "bk";
const PROBE = `${PREFIX}stand-in/probe:1`;
const name = (service: string) => `${PREFIX}${LABEL}-${service}`;

let sut: StackUnderTest;
let configFile: string;
const standInTags: string[] = [];

/** staging, with nothing published on this machine's ports and two dumps kept. */
function stackFile(): string {
  const change = (c: Record<string, any>) => {
    c["robotoff:app"] = { ...c["robotoff:app"], api: { expose: { http: null } } };
    c["robotoff:postgres"] = { ...c["robotoff:postgres"], expose: { postgres: null }, backup: { keep: 2 } };
    c["robotoff:monitoring"] = { ...c["robotoff:monitoring"], statsd: { expose: { metrics: null } } };
    c["robotoff:tfServing"] = { expose: { grpc: null, rest: null } };
  };
  return stackFileWith(join(PROJECT_DIR, "Pulumi.staging-2022.yaml"), change, undefined, mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-file-`)));
}

const ops = (...args: string[]) =>
  run(process.execPath, ["--require", "./tools/register.js", "tools/ops/index.ts", "--stack", "staging-2022", "--config-file", configFile, ...args], {
    cwd: PROJECT_DIR,
    timeoutMs: 300_000,
  });
const psql = async (sql: string) => {
  const r = await ops("exec", "postgres", "--", "psql", "-U", "postgres", "-d", "postgres", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql);
  if (r.code !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  return r.stdout.trim();
};
const backupDir = () => join(sut.hostRoot, "backups");
const dumps = () =>
  readdirSync(backupDir())
    .filter((f) => f.endsWith(".dump"))
    .sort();
const running = async (service: string) => (await inspectContainer(name(service))).State.Running as boolean;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (!(await engineAnswers())) throw new Error("no Docker Engine answers on this machine");
  const file = stackFile();
  sut = await prepareStack("staging-2022", LABEL, file);
  rmSync(dirname(file), { recursive: true, force: true });
  configFile = sut.configFile;
  standInTags.push(...(await ensureStandIns({ ...sut.render.outputs.images }, { log, extraTags: { probe: PROBE } })).created);
  await applyStack(sut, { log, daemon: await daemonUlimits(PROBE) });
}, 1_200_000);

afterAll(async () => {
  if (sut) await removeStack(sut);
  await removeStandInTags(standInTags);
}, 600_000);

describe("ops verbs on the stack's containers", () => {
  it("ps: every container of the stack, running, with its health", async () => {
    for (let i = 0; i < 30 && (await inspectContainer(name("postgres_backup"))).State.Health?.Status !== "healthy"; i++) await sleep(1000);
    const r = await ops("ps");
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n").slice(1);
    expect(rows.map((l) => l.split(/ {3,}/)[0]).sort()).toEqual(
      sut.render.resources
        .filter((x) => x.type === "docker:index/container:Container")
        .map((x) => x.inputs.name)
        .sort(),
    );
    expect(rows.find((l) => l.startsWith(`${name("postgres")} `))).toMatch(/postgres +running \(healthy\)/);
    expect(rows.find((l) => l.startsWith(name("postgres_backup")))).toMatch(/"sh \/usr\/local\/share…" +postgres_backup +running \(healthy\)/);
  });
  it("stop, start and restart act on the containers named, and say so", async () => {
    expect((await ops("stop", "scheduler")).stdout).toBe(`scheduler: stopped (${name("scheduler")})`);
    expect(await running("scheduler")).toBe(false);
    expect((await ops("start", "scheduler")).stdout).toBe(`scheduler: started (${name("scheduler")})`);
    expect(await running("scheduler")).toBe(true);
    const before = (await inspectContainer(name("workers"))).State.StartedAt;
    expect((await ops("restart", "workers")).code).toBe(0);
    expect((await inspectContainer(name("workers"))).State.StartedAt).not.toBe(before);
  }, 120_000);
  it("logs --tail: the service's last lines", async () => {
    const r = await ops("logs", "--tail", "50", "postgres");
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/database system is ready to accept connections/);
  });
  it("exec: the command's output and exit status", async () => {
    expect(await psql("select 40 + 2")).toBe("42");
    expect((await ops("exec", "postgres", "--", "sh", "-c", "exit 7")).code).toBe(7);
  });
});

describe("database backups", () => {
  let first = "";
  it("backup: writes a dump of the rows as they are, and prints its host path", async () => {
    await psql("create table products (code text primary key, name text); insert into products values ('1', 'before'), ('2', 'kept')");
    const r = await ops("backup");
    expect(r.code).toBe(0);
    first = r.stdout.trim();
    expect(first).toBe(join(backupDir(), basename(first)));
    expect(existsSync(first)).toBe(true);
    expect(basename(first)).toMatch(/^postgres-\d{8}T\d{6}Z\.dump$/);
  });
  it("restore: puts the rows back as they were at backup time, with the app stopped meanwhile and started after", async () => {
    await psql("update products set name = 'after' where code = '1'; delete from products where code = '2'; insert into products values ('3', 'new')");
    const r = await ops("restore", "--yes", basename(first));
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining("restored")]);
    const lines = r.stdout.split("\n");
    const stopped = lines.filter((l) => / stopped /.test(l)).map((l) => l.split(":")[0]);
    const started = lines.filter((l) => / started /.test(l)).map((l) => l.split(":")[0]);
    expect(stopped.sort()).toEqual(["api", "scheduler", "workers"]);
    expect(started.sort()).toEqual(["api", "scheduler", "workers"]);
    expect(lines.map((l) => / stopped /.test(l)).lastIndexOf(true)).toBeLessThan(lines.findIndex((l) => / started /.test(l)));
    expect(lines.at(-1)).toBe(`restored ${basename(first)} into postgres`);
    expect(await psql("select code || '=' || name from products order by code")).toBe("1=before\n2=kept");
    for (const app of ["api", "workers", "scheduler"]) expect(await running(app)).toBe(true);
  }, 300_000);
  it("restore refuses a file that is no dump, and a dump of another database, before stopping anything", async () => {
    writeFileSync(join(backupDir(), "notes.sql"), "select 1;\n");
    const plain = await ops("restore", "--yes", "notes.sql");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^not restored: .*notes\.sql is not a pg_dump custom-format archive/);
    await psql("create database other");
    expect((await ops("exec", "postgres_backup", "--", "pg_dump", "-Fc", "-d", "other", "-f", "/backups/other.dump")).code).toBe(0);
    const other = await ops("restore", "--yes", "other.dump");
    expect(other.stderr).toBe(`not restored: ${join(backupDir(), "other.dump")} is a dump of database 'other', not of 'postgres'`);
    expect(await running("api")).toBe(true);
  }, 120_000);
  it("a dump killed half-way leaves no file under a dump's name; the loop's next start removes its partial file", async () => {
    // A session holding a lock makes pg_dump wait, its file open, until it is killed.
    await run("docker", [
      "exec",
      "-d",
      name("postgres"),
      "psql",
      "-U",
      "postgres",
      "-c",
      "begin; lock table products in access exclusive mode; select pg_sleep(120); commit",
    ]);
    const before = dumps();
    const backup = spawn(
      process.execPath,
      ["--require", "./tools/register.js", "tools/ops/index.ts", "--stack", "staging-2022", "--config-file", configFile, "backup"],
      {
        cwd: PROJECT_DIR,
        stdio: "ignore",
      },
    );
    const backupEnded = new Promise((r) => backup.on("exit", r));
    const partial = () => readdirSync(backupDir()).filter((f) => f.endsWith(".partial"));
    for (let i = 0; i < 60 && partial().length === 0; i++) await sleep(500);
    expect(partial()).toHaveLength(1);
    expect((await run("docker", ["kill", "--signal", "KILL", name("postgres_backup")])).code).toBe(0);
    await backupEnded;
    await psql("select pg_terminate_backend(pid) from pg_stat_activity where query like '%pg_sleep(120)%' and pid <> pg_backend_pid()");
    expect(dumps()).toEqual(before);
    expect(partial()).toHaveLength(1);
    expect((await ops("start", "postgres_backup")).code).toBe(0);
    for (let i = 0; i < 20 && partial().length > 0; i++) await sleep(500);
    expect(partial()).toEqual([]);
  }, 120_000);
  it("keeps the last two dumps (robotoff:postgres.backup.keep)", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await ops("backup")).code).toBe(0);
      await sleep(1100); // dump names have one-second resolution
    }
    const kept = dumps().filter((f) => f.startsWith("postgres-"));
    expect(kept).toHaveLength(2);
    expect(kept).not.toContain(basename(first));
  }, 120_000);
  it("a failed dump: ops backup exits 1, the container turns unhealthy, livecheck says why", async () => {
    await ops("stop", "postgres_exporter", "postgres");
    try {
      const r = await ops("backup");
      expect(r.code).toBe(1);
      for (let i = 0; i < 30 && (await inspectContainer(name("postgres_backup"))).State.Health?.Status !== "unhealthy"; i++) await sleep(1000);
      const live = await run(
        process.execPath,
        ["--require", "./tools/register.js", "tools/livecheck/index.ts", "--stack", "staging-2022", "--config-file", configFile],
        {
          cwd: PROJECT_DIR,
          timeoutMs: 300_000,
        },
      );
      expect(live.stdout.split("\n")).toContainEqual(
        expect.stringMatching(/^postgres_backup: DOWN \(unhealthy: last dump failed at .*: pg_dump of postgres on postgres, see the container's logs\)$/),
      );
    } finally {
      await ops("start", "postgres", "postgres_exporter");
    }
  }, 180_000);
});

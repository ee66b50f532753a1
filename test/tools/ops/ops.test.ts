/** npm run ops: arguments, placement from the StackSpec, and each verb through the stand-in docker CLI. */
import { runScript, runScriptSync } from "../../script";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, selectServices } from "../../../tools/ops";
import { parseOpsArgs } from "../../../tools/ops/args";
import { runMain } from "../../in-process";
import { readPreview, needsDumpFirst } from "../../../tools/ops/backup";
import { planStackFile } from "../../../tools/shared/stack-file";
import { declaredContainers } from "../../../tools/targets/target";
import { PROJECT_DIR } from "../../harness";

const FAKE = join(__dirname, "../../fixtures/fake-docker.sh");
/** The recorded dev containers, healthy, and prod's two api copies (robotoff:app.api.release rolling) as healthy as dev's api. */
const HEALTHY = (() => {
  const recorded = JSON.parse(readFileSync(join(__dirname, "../../fixtures/docker-inspect/dev-healthy.json"), "utf8")) as { Name: string }[];
  const api = recorded.find((c) => c.Name === "/robotoff-api")!;
  const file = join(mkdtempSync(join(tmpdir(), "robotoff-inspect-")), "healthy.json");
  writeFileSync(file, JSON.stringify([...recorded, { ...api, Name: "/robotoff-api-1" }, { ...api, Name: "/robotoff-api-2" }], null, 2));
  return file;
})();
const TWO_HOSTS = join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml");
const ML = "ssh://deploy@ml.openfoodfacts.org";

/** In this worker (test/in-process.ts); opsProcess where the terminal is attached (exec, logs of one service) or stdin is read. */
const ops = (env: NodeJS.ProcessEnv, ...args: string[]) => runMain(main, args, env);
const opsProcess = (env: NodeJS.ProcessEnv, ...args: string[]) => runScript("ops", args, { env });
const withLog = () => join(mkdtempSync(join(tmpdir(), "robotoff-ops-")), "calls");
const calls = (log: string) => readFileSync(log, "utf8").trim().split("\n");

describe("ops arguments", () => {
  it("takes the verb, its services, and exec's command after --", () => {
    const a = parseOpsArgs(["--stack", "prod-2022", "exec", "postgres", "--", "psql", "-c", "select 1"]);
    expect(a).toMatchObject({ stack: "prod-2022", verb: "exec", operands: ["postgres"], command: ["psql", "-c", "select 1"] });
    expect(parseOpsArgs(["--stack", "dev-2022", "logs", "-f", "--tail", "20", "--since", "10m", "api"])).toMatchObject({
      follow: true,
      tail: "20",
      since: "10m",
      operands: ["api"],
    });
  });
  it("refuses, naming the problem: an unknown verb, an option of another verb, a bad --tail, exec without a command", () => {
    expect(() => parseOpsArgs(["--stack", "dev-2022", "up"])).toThrow(/unknown verb up \(verbs: ps, logs, stop, start, restart, exec, backup, restore\)/);
    expect(() => parseOpsArgs(["--stack", "dev-2022", "ps", "-f"])).toThrow(/--follow does not apply to ps/);
    expect(() => parseOpsArgs(["--stack", "dev-2022", "logs", "--tail", "many"])).toThrow(/--tail many: expected a number of lines or "all"/);
    expect(() => parseOpsArgs(["--stack", "dev-2022", "exec", "api"])).toThrow(/exec needs one service and a command/);
    expect(() => parseOpsArgs(["ps"])).toThrow(/--stack is required/);
  });
});

describe("which containers, on which host: the StackSpec's placement", () => {
  const plan = planStackFile(PROJECT_DIR, "prod-2022", TWO_HOSTS).plan;
  it("finds each named service's container and its host's Engine", () => {
    expect(selectServices(plan, ["tf_serving", "postgres"])).toEqual([
      { service: "postgres", name: "robotoff-postgres", hasHealthcheck: true, host: "local", memoryMb: 4096, restart: "always" },
      { service: "tf_serving", name: "robotoff-tf_serving", hasHealthcheck: true, host: "ml", url: ML, memoryMb: 10240, restart: "always" },
    ]);
  });
  it("takes every service in start order when none is named (what each depends on first)", () => {
    const order = selectServices(plan, []).map((p) => p.service);
    expect(order.indexOf("postgres")).toBeLessThan(order.indexOf("api"));
    expect(order.indexOf("workers")).toBeLessThan(order.indexOf("api"));
    expect(order).toHaveLength(plan.spec.services.length);
  });
  it("says did you mean for a near miss, and names each service once, the api's copies included (issue 26)", () => {
    const rolling = planStackFile(PROJECT_DIR, "prod-2022").plan;
    expect(declaredContainers(rolling).filter((p) => p.service === "api")).toHaveLength(2);
    expect(() => selectServices(rolling, ["apii", "schedular"])).toThrow(
      "no service apii, schedular in this stack (did you mean api, scheduler?); its services: api, api_proxy, elasticsearch, postgres, postgres_backup, postgres_exporter, scheduler, statsd, tf_serving, workers",
    );
  });
  it("answers an unknown service with the services that exist", () => {
    expect(() => selectServices(plan, ["api", "redis"])).toThrow(
      "no service redis in this stack; its services: api, elasticsearch, postgres, postgres_backup, postgres_exporter, scheduler, statsd, tf_serving, workers",
    );
  });
});

describe("generation 2026-06: workers by group, one-off tasks only when named", () => {
  const plan = planStackFile(PROJECT_DIR, "prod").plan;
  const fake = (extra: NodeJS.ProcessEnv = {}) => ({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY, ...extra });
  const WORKERS = ["worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6", "worker-ml-1", "worker-ml-2"];

  it("takes `workers` for every worker, worker-1..6 and worker-ml-1..2, and names the group among the services", () => {
    expect(selectServices(plan, ["workers"]).map((p) => p.service)).toEqual(WORKERS);
    expect(selectServices(plan, ["worker-3", "api"]).map((p) => p.name)).toEqual(["robotoff-api-1", "robotoff-api-2", "robotoff-worker-3"]);
    expect(() => selectServices(plan, ["worker-7"])).toThrow(
      /^no service worker-7 in this stack \(did you mean worker-1\?\); its services: api, .*, worker-ml-2, workers$/,
    );
  });
  it("restart workers: each worker, one line each", async () => {
    const r = await ops(fake(), "--stack", "prod", "restart", "workers");
    expect([r.code, r.stdout.split("\n")]).toEqual([0, WORKERS.map((w) => `${w}: restarted (robotoff-${w})`)]);
  });
  it("logs worker-3 worker-ml-1: those workers' containers, each line prefixed by its service (in this worker: two services)", async () => {
    const r = await ops(fake(), "--stack", "prod", "logs", "--tail", "5", "worker-3", "worker-ml-1");
    expect(r.stdout.split("\n")).toEqual(["worker-3    | logs --tail 5 robotoff-worker-3", "worker-ml-1 | logs --tail 5 robotoff-worker-ml-1"]);
  });
  it("stop and start of every service leave the one-off tasks alone; start migrate-db runs the migrations again", async () => {
    const stop = await ops(fake(), "--stack", "prod", "stop");
    const stopped = stop.stdout.split("\n").map((l) => l.split(":")[0]);
    expect(stopped).toEqual(expect.arrayContaining(["api", "scheduler", "postgres", ...WORKERS]));
    expect(stopped).not.toContain("migrate-db");
    expect(stopped).not.toContain("init-elasticsearch");
    const again = await ops(fake(), "--stack", "prod", "start", "migrate-db");
    expect(again.stdout).toMatch(/^migrate-db: started \(robotoff-migrate-db\)/);
  });
});

describe("npm run ops", () => {
  const fake = (extra: NodeJS.ProcessEnv = {}) => ({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY, ...extra });

  it("ps: one row per container, by name, with its state and health", async () => {
    const r = await ops(fake(), "--stack", "dev-2022", "ps");
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n");
    expect(rows[0]).toMatch(/^NAME +COMMAND +SERVICE +STATE +PORTS$/);
    expect(rows.slice(1).map((l) => l.split(/ {3,}/)[0])).toEqual(
      ["api", "elasticsearch", "postgres", "scheduler", "tf_serving", "workers"].map((s) => `robotoff-${s}`),
    );
    expect(rows.find((l) => l.startsWith("robotoff-postgres"))).toMatch(/postgres +running \(healthy\)/);
    expect(rows.find((l) => l.startsWith("robotoff-workers"))).toMatch(/workers +running$/);
  });
  it("ps on two hosts: asks each Engine for its own containers, and shows the host", async () => {
    const log = withLog();
    const r = await ops(fake({ FAKE_LOG: log }), "--stack", "prod-2022", "--config-file", TWO_HOSTS, "ps");
    expect(calls(log)).toEqual(["default version", `${ML} version`, "default inspect", `${ML} inspect`]);
    expect(r.stdout.split("\n").find((l) => l.startsWith("robotoff-tf_serving"))).toMatch(/tf_serving +ml +running \(healthy\)/);
    expect(r.stdout.split("\n").find((l) => l.startsWith("robotoff-statsd"))).toMatch(/statsd +local +missing/);
  });
  it("stop: the dependents first, each on its own host; start: the other way round", async () => {
    const log = withLog();
    const stop = await ops(fake({ FAKE_LOG: log }), "--stack", "prod-2022", "--config-file", TWO_HOSTS, "stop", "postgres", "api", "tf_serving");
    expect(stop.stdout.split("\n")).toEqual([
      "api: stopped (robotoff-api)",
      "tf_serving: stopped (robotoff-tf_serving)",
      "postgres: stopped (robotoff-postgres)",
    ]);
    expect(calls(log).filter((c) => !c.endsWith("version"))).toEqual(["default stop", `${ML} stop`, "default stop"]);
    // The shipped prod runs the api as two copies (robotoff:app.api.release rolling): both start, in order, after postgres.
    const start = await ops(fake(), "--stack", "prod-2022", "start", "api", "postgres");
    // Each copy once the one before is healthy.
    expect(start.stdout.split("\n")).toEqual([
      "postgres: started (robotoff-postgres)",
      "api: started (robotoff-api-1), healthy",
      "api: started (robotoff-api-2), healthy",
    ]);
  });
  it("restart of a container the host lacks: says so, goes on, exits 1", async () => {
    const r = await ops(fake({ FAKE_MISSING_OBJECTS: "robotoff-workers" }), "--stack", "prod-2022", "restart", "workers", "scheduler");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toContain("workers: not restarted: Error response from daemon: No such container: robotoff-workers");
    expect(r.stdout.split("\n")).toContain("scheduler: restarted (robotoff-scheduler)");
  });
  it("logs: passes -f, --tail and --since; one service unprefixed, several prefixed by service", async () => {
    const one = await opsProcess(fake(), "--stack", "dev-2022", "logs", "-f", "--tail", "50", "--since", "1h", "api");
    expect(one.stdout).toBe("logs --follow --tail 50 --since 1h robotoff-api");
    const two = await ops(fake(), "--stack", "dev-2022", "logs", "--tail", "5", "api", "postgres");
    expect(two.stdout.split("\n")).toEqual(["postgres | logs --tail 5 robotoff-postgres", "api      | logs --tail 5 robotoff-api"]);
  });
  it("exec: runs the command after -- verbatim in the service's container on its host, and exits with its status", async () => {
    const log = withLog();
    const r = await opsProcess(
      fake({ FAKE_LOG: log, FAKE_EXIT: "3" }),
      "--stack",
      "prod",
      "--config-file",
      TWO_HOSTS,
      "exec",
      "tf_serving",
      "--",
      "ls",
      "-l",
      "/models",
    );
    expect(r.stdout).toBe("exec -i robotoff-tf_serving ls -l /models");
    expect(calls(log)).toEqual([`${ML} version`, `${ML} exec`]);
    expect(r.code).toBe(3);
  });
  it("an unknown service: the services that exist, exit 2", async () => {
    const r = await ops(fake(), "--stack", "dev-2022", "logs", "apii");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("no service apii in this stack (did you mean api?); its services: api, elasticsearch, postgres, scheduler, tf_serving, workers");
  });
  it("an Engine that does not answer: one line, exit 2", async () => {
    const r = await opsProcess({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }, "--stack", "dev-2022", "stop", "api");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([expect.stringMatching(/^Docker Engine not reachable: .*nonexistent/)]);
  });
});

describe("backup --if-replaced: a dump before a deploy that replaces postgres", () => {
  const PREVIEWS = join(__dirname, "../../fixtures/previews");
  const fake = (extra: NodeJS.ProcessEnv = {}) => ({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY, ...extra });

  it("reads a replacement of the postgres container in a preview (pulumi preview --json's steps)", () => {
    expect(needsDumpFirst(readPreview(join(PREVIEWS, "postgres-replaced.json")))).toBe(true);
  });
  it("reads a new run of 2026-06's migrations for one too: the app image changed", () => {
    expect(needsDumpFirst(readPreview(join(PREVIEWS, "migrations-2026.json")))).toBe(true);
  });
  it("does not take an in-place update of postgres, or a replacement of postgres_backup, for one", () => {
    expect(needsDumpFirst(readPreview(join(PREVIEWS, "app-tag.json")))).toBe(false);
  });
  it("takes the dump through the backup container and prints its host path", async () => {
    const log = withLog();
    const r = await ops(
      fake({ FAKE_LOG: log, FAKE_EXEC_STDOUT: "/backups/postgres-20261129T030000Z.dump" }),
      "--stack",
      "prod",
      "backup",
      "--if-replaced",
      join(PREVIEWS, "postgres-replaced.json"),
    );
    expect([r.code, r.stdout]).toEqual([0, "/srv/robotoff/backups/postgres-20261129T030000Z.dump"]);
    expect(calls(log)).toEqual(["default version", "default exec"]);
  });
  it("takes none when postgres stays, and says so", async () => {
    const log = withLog();
    const r = await ops(fake({ FAKE_LOG: log }), "--stack", "prod-2022", "backup", "--if-replaced", join(PREVIEWS, "app-tag.json"));
    expect([r.code, r.stdout]).toEqual([0, "the preview neither replaces postgres nor runs the migrations again: no backup taken"]);
    expect(calls(log)).not.toContain("default exec");
  });
  it("fails on a file that is not a preview, rather than skipping the dump", async () => {
    const r = await ops(fake(), "--stack", "prod-2022", "backup", "--if-replaced", HEALTHY);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/not a pulumi preview --json output \(no steps\)/)]);
  });
  it("a failed dump fails the command", async () => {
    const r = await ops(fake({ FAKE_EXIT: "1", FAKE_EXEC_STDOUT: "" }), "--stack", "prod-2022", "backup");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^backup failed: /m);
  });
  it("dev runs no backup service: says how to turn it on", async () => {
    const r = await ops(fake(), "--stack", "dev-2022", "backup");
    expect([r.code, r.stderr]).toEqual([1, "backups are off in stack dev (the default there): set robotoff:postgres.backup.enabled to true and deploy"]);
  });
});

describe("restore through the stand-in docker CLI", () => {
  const restore = (input: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
    runScriptSync("ops", ["--stack", "prod-2022", "restore", ...args], {
      input,
      env: { ...process.env, ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY, ...env },
    });

  it("asks first, and an answer other than yes stops nothing", () => {
    const log = withLog();
    const r = restore("no\n", { FAKE_LOG: log }, "postgres-20261129T030000Z.dump");
    expect(r.stderr).toMatch(/This replaces database postgres with postgres-20261129T030000Z\.dump; (\w+), (\w+), (\w+) stop meanwhile\. Type yes to go on: /);
    const named = /dump; (\w+), (\w+), (\w+) stop/.exec(r.stderr)!.slice(1);
    expect([...named].sort()).toEqual(["api", "scheduler", "workers"]);
    expect(r.stderr).toContain("not restored");
    expect(r.status).toBe(1);
    expect(calls(log).filter((c) => / (stop|start)$/.test(c))).toEqual([]);
  });
  it("with yes: checks the dump, stops the app, restores in the backup container, starts the app", () => {
    const log = withLog();
    const r = restore("yes\n", { FAKE_LOG: log }, "/srv/robotoff/backups/postgres-20261129T030000Z.dump");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    const at = (line: string) => lines.indexOf(line);
    // Every app container stops (api before the workers it depends on), then all start (the workers first), then the restore says so.
    // prod's api runs as two copies (robotoff:app.api.release rolling): both stop; the proxy stays, answering 503 meanwhile.
    expect([...lines.slice(0, 4)].sort()).toEqual([
      "api: stopped (robotoff-api-1)",
      "api: stopped (robotoff-api-2)",
      "scheduler: stopped (robotoff-scheduler)",
      "workers: stopped (robotoff-workers)",
    ]);
    expect([...lines.slice(4, 8)].sort()).toEqual([
      "api: started (robotoff-api-1), healthy",
      "api: started (robotoff-api-2), healthy",
      "scheduler: started (robotoff-scheduler)",
      "workers: started (robotoff-workers)",
    ]);
    expect(at("api: stopped (robotoff-api-1)")).toBeLessThan(at("workers: stopped (robotoff-workers)"));
    expect(at("workers: started (robotoff-workers)")).toBeLessThan(at("api: started (robotoff-api-1), healthy"));
    expect(lines[8]).toBe("restored postgres-20261129T030000Z.dump into postgres");
    expect(calls(log).filter((c) => !c.endsWith("version"))).toEqual([
      "default exec",
      ...Array(4).fill("default stop"),
      "default exec",
      "default start",
      "default start",
      "default start",
      "default inspect",
      "default start",
      "default inspect",
    ]);
  });
  // With --yes nothing is read from stdin: in this worker.
  const restoreYes = (env: NodeJS.ProcessEnv, file: string) =>
    ops({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY, ...env }, "--stack", "prod-2022", "restore", "--yes", file);
  it("generation 2026-06: stops every container that runs the app (its workers and update-listener too), not the one-off tasks", async () => {
    const r = await ops({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_INSPECT: HEALTHY }, ...["--stack", "prod", "restore", "--yes", "postgres-20261129T030000Z.dump"]);
    const stopped = r.stdout
      .split("\n")
      .filter((l) => / stopped /.test(l))
      .map((l) => l.split(":")[0]);
    const workers = ["worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6", "worker-ml-1", "worker-ml-2"];
    expect([...new Set(stopped)].sort()).toEqual(["api", "scheduler", "update-listener", ...workers].sort());
    expect(r.stdout.split("\n").pop()).toBe("restored postgres-20261129T030000Z.dump into robotoff");
  });
  it("refuses a file outside the backup folder, naming the folder", async () => {
    const r = await restoreYes({}, "/tmp/elsewhere/postgres.dump");
    expect([r.code, r.stderr]).toEqual([
      2,
      "/tmp/elsewhere/postgres.dump: restore reads dumps from /srv/robotoff/backups on the postgres host (robotoff:postgres.backup.dir)",
    ]);
  });
  it("refuses a file the backup container's check rejects, before stopping anything", async () => {
    const log = withLog();
    const r = await restoreYes({ FAKE_LOG: log, FAKE_EXIT: "1", FAKE_EXEC_STDOUT: "/backups/notes.sql is not a pg_dump custom-format archive" }, "notes.sql");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("not restored: /srv/robotoff/backups/notes.sql is not a pg_dump custom-format archive");
    expect(calls(log).filter((c) => / (stop|start)$/.test(c))).toEqual([]);
  });
});

/**
 * npm run ops and npm run livecheck on robotoff:target swarm (test/fixtures/Pulumi.staging-swarm.yaml):
 * the Swarm services found by the StackSpec's names, through the stand-in docker CLI. The real swarm:
 * test/engine/swarm.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BACKUP_SCRIPT } from "../../../models/backup";
import { main as livecheck } from "../../../tools/livecheck";
import { main as ops } from "../../../tools/ops";
import { assessSwarm } from "../../../tools/targets/swarm/check";
import { parseServiceLs, parseUpdateStatuses, swarmPsTable, taskCounts, type ServiceRow } from "../../../tools/targets/swarm/services";
import { declaredContainers } from "../../../tools/targets/target";
import { planStackFile } from "../../../tools/shared/stack-file";
import { PROJECT_DIR } from "../../harness";
import { runMain } from "../../in-process";

const FIXTURE = join(__dirname, "../../fixtures/Pulumi.staging-swarm.yaml");
const FAKE = join(__dirname, "../../fixtures/fake-docker.sh");
const plan = planStackFile(PROJECT_DIR, "staging-2022", FIXTURE).plan;
const declared = declaredContainers(plan);

/** `docker service ls` as the manager prints it: every service of the fixture with its tasks, but those in `counts`. */
function serviceLs(counts: Record<string, string> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), "robotoff-swarm-ls-")), "ls.jsonl");
  const lines = declared.map((d) =>
    JSON.stringify({
      ID: `id-${d.service}`,
      Name: d.name,
      Mode: "replicated",
      Replicas: counts[d.service] ?? `${d.expectedTasks}/${d.expectedTasks}`,
      Image: `${d.service}:v1`,
      Ports: d.service === "api" ? "*:5500->5500/tcp" : "",
    }),
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
const withLog = () => join(mkdtempSync(join(tmpdir(), "robotoff-swarm-ops-")), "calls");
const calls = (log: string) => readFileSync(log, "utf8").trim().split("\n");
const fake = (extra: NodeJS.ProcessEnv = {}) => ({ ROBOTOFF_DOCKER_CLI: FAKE, FAKE_SERVICE_LS: serviceLs(), ...extra });
const STACK = ["--stack", "staging-2022", "--config-file", FIXTURE];

describe("the swarm services of the spec", () => {
  it("carry each service's configured replicas and the tasks the stack runs (workers: 3, scheduler: 1)", () => {
    const byService = Object.fromEntries(declared.map((d) => [d.service, [d.name, d.replicas, d.expectedTasks]]));
    expect(byService.workers).toEqual(["robotoff-workers", 3, 3]);
    expect(byService.api).toEqual(["robotoff-api", 2, 2]);
    expect(byService.scheduler).toEqual(["robotoff-scheduler", 1, 1]);
  });
  it("reads running and desired tasks from docker service ls", () => {
    expect(taskCounts("2/3")).toEqual({ running: 2, desired: 3 });
    expect(taskCounts("1/1 (max 1 per node)")).toEqual({ running: 1, desired: 1 });
    expect(taskCounts("")).toBeUndefined();
    const rows = parseServiceLs('{"Name":"robotoff-api","Replicas":"2/2"}\nnot json\n');
    expect([...rows.keys()]).toEqual(["robotoff-api"]);
  });
});

describe("livecheck's verdict on swarm", () => {
  const rows = (counts: Record<string, string>) => parseServiceLs(readFileSync(serviceLs(counts), "utf8"));
  const verdict = (service: string, counts: Record<string, string>, why = new Map<string, string>()) =>
    assessSwarm(declared, rows(counts), why).find((v) => v.service === service);
  it("is up when every task the stack asks for runs", () => {
    expect(verdict("workers", {})).toEqual({ service: "workers", up: true, detail: "3/3 tasks" });
  });
  it("is down with Swarm's last task error when fewer run", () => {
    const why = new Map([["robotoff-api", "Rejected 3 seconds ago, no suitable node"]]);
    expect(verdict("api", { api: "1/2" }, why)).toEqual({ service: "api", up: false, detail: "1/2 tasks running: Rejected 3 seconds ago, no suitable node" });
  });
  it("is down when the service was scaled away from the stack's count, and says how to bring it back", () => {
    expect(verdict("workers", { workers: "0/0" })?.detail).toBe("0/0 tasks, the stack asks for 3 (npm run ops -- start workers, or pulumi up)");
  });
  it("is down for a service the manager does not have", () => {
    const listed = new Map([...rows({})].filter(([name]) => name !== "robotoff-statsd"));
    expect(assessSwarm(declared, listed).find((v) => v.service === "statsd")).toEqual({ service: "statsd", up: false, detail: "no service robotoff-statsd" });
  });
  describe("after an update Swarm rolled back (the provider may have reported the deploy as done)", () => {
    // Swarm's messages: the rollback's start names the task; once done, it says so.
    const MESSAGE = "update rolled back due to failure or early termination of task t1";
    const updates = (state: string, message = MESSAGE) => parseUpdateStatuses(`robotoff-api\t${state}\t${message}\nrobotoff-workers\n`);
    const api = (state: string) => assessSwarm(declared, rows({}), new Map(), updates(state)).find((v) => v.service === "api");
    it("reads each service's update state and message; a service never updated has none", () => {
      expect([...updates("rollback_completed")]).toEqual([["robotoff-api", { state: "rollback_completed", message: MESSAGE }]]);
      expect(parseUpdateStatuses("robotoff-api\tcompleted\n").get("robotoff-api")).toEqual({ state: "completed", message: "" });
    });
    it("is down, all tasks running, with Swarm's message, the failed task's error and what to do", () => {
      const why = new Map([["robotoff-api", "Failed 2 minutes ago, task: non-zero exit (137): unhealthy container"]]);
      expect(assessSwarm(declared, rows({}), why, updates("rollback_completed", "rollback completed")).find((v) => v.service === "api")).toEqual({
        service: "api",
        up: false,
        detail: `2/2 tasks, its last update failed and Swarm rolled it back: it runs the spec it had before (rollback completed): Failed 2 minutes ago, task: non-zero exit (137): unhealthy container; fix what the update changed, then pulumi up --refresh`,
      });
    });
    it.each([
      ["rollback_started", "its last update failed and Swarm is rolling it back"],
      ["rollback_paused", "its last update failed and Swarm paused the rollback"],
      ["paused", "its last update failed and Swarm paused it"],
    ])("is down while the update is %s", (state, words) => {
      expect(api(state)?.detail).toBe(`2/2 tasks, ${words} (${MESSAGE}); fix what the update changed, then pulumi up --refresh`);
    });
    it.each(["updating", "completed"])("is up while the update is %s", (state) => {
      expect(api(state)).toEqual({ service: "api", up: true, detail: "2/2 tasks" });
    });
  });
  it("is up for a service robotoff:stopped keeps at zero tasks, while none runs", () => {
    const stopped = declared.map((d) => (d.service === "scheduler" ? { ...d, expectedTasks: 0 } : d));
    expect(assessSwarm(stopped, rows({ scheduler: "0/0" })).find((v) => v.service === "scheduler")?.up).toBe(true);
    expect(assessSwarm(stopped, rows({ scheduler: "1/1" })).find((v) => v.service === "scheduler")?.up).toBe(false);
  });
});

describe("npm run ops on swarm", () => {
  it("ps: one row per service, by name, with its running and desired tasks; a missing one says so", () => {
    const listed = new Map<string, ServiceRow>([
      ["robotoff-api", { Name: "robotoff-api", Image: "api:v1", Mode: "replicated", Replicas: "1/2", Ports: "*:5500->5500/tcp" }],
    ]);
    const table = swarmPsTable(declared, listed).split("\n");
    expect(table[0].split(/ {3,}/)).toEqual(["NAME", "SERVICE", "TASKS", "IMAGE", "PORTS"]);
    expect(table[1].split(/ {3,}/)).toEqual(["robotoff-api", "api", "1/2 running", "api:v1", "*:5500->5500/tcp"]);
    expect(table.find((l) => l.startsWith("robotoff-workers"))?.split(/ {3,}/)).toEqual(["robotoff-workers", "workers", "missing"]);
  });
  it("ps through the manager", async () => {
    const r = await runMain(ops, [...STACK, "ps"], fake());
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .split("\n")
        .find((l) => l.startsWith("robotoff-workers"))
        ?.split(/ {3,}/),
    ).toEqual(["robotoff-workers", "workers", "3/3 running", "workers:v1"]);
  });
  it("stop scales to 0, dependents first; start scales back to the configured replicas, in start order", async () => {
    const log = withLog();
    const stopped = serviceLs({ postgres: "0/0", workers: "0/0" });
    const stop = await runMain(ops, [...STACK, "stop", "postgres", "workers"], fake({ FAKE_LOG: log, FAKE_SERVICE_LS: stopped }));
    expect(stop.stdout.split("\n")).toEqual(["workers: stopped (robotoff-workers, 0 tasks)", "postgres: stopped (robotoff-postgres, 0 tasks)"]);
    const start = await runMain(ops, [...STACK, "start", "workers", "postgres"], fake({ FAKE_LOG: log }));
    expect(start.stdout.split("\n")).toEqual(["postgres: started (robotoff-postgres, 1 tasks)", "workers: started (robotoff-workers, 3 tasks)"]);
    // Each stop waits until no task of the service runs (docker service ls), each start does not.
    expect(calls(log).filter((c) => c.includes("service"))).toEqual([
      "default service scale",
      "default service ls",
      "default service scale",
      "default service ls",
      "default service scale",
      "default service scale",
    ]);
  });
  it("restart rolls the service like an update (service update --force), and in start order; a failure says so and exits 1", async () => {
    const log = withLog();
    const r = await runMain(ops, [...STACK, "restart", "api", "scheduler"], fake({ FAKE_LOG: log, FAKE_MISSING_OBJECTS: "robotoff-scheduler" }));
    expect(calls(log).filter((c) => c.includes("service"))).toEqual(["default service update", "default service update"]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      "scheduler: not restarted: Error response from daemon: service robotoff-scheduler not found",
      "api: restarted (robotoff-api)",
    ]);
  });
  it("logs of several services: every task's lines (service logs), prefixed by service", async () => {
    const r = await runMain(ops, [...STACK, "logs", "--tail", "5", "api", "workers"], fake());
    expect(r.stdout.split("\n")).toEqual(["workers | service logs --tail 5 robotoff-workers", "api     | service logs --tail 5 robotoff-api"]);
  });
  it("backup: in the running task's container of postgres_backup on this Engine", async () => {
    const r = await runMain(ops, [...STACK, "backup"], fake({ FAKE_EXEC_STDOUT: "/backups/postgres-20261129T030000Z.dump" }));
    expect([r.code, r.stdout]).toEqual([0, "/srv/robotoff/backups/postgres-20261129T030000Z.dump"]);
  });
  it("runs the backup with the secrets the task's own process reads (an exec bypasses the task's secret bridge)", async () => {
    // The stand-in CLI echoes what exec was asked: the dump fails, and the failure shows the command.
    const r = await runMain(ops, [...STACK, "backup"], fake());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `backup failed: exec task-robotoff-postgres_backup /bin/sh -c PGPASSWORD="$(cat '/run/secrets/postgresPassword')" && export PGPASSWORD && exec "$0" "$@" sh ${BACKUP_SCRIPT} once`,
    );
  });
  it("exec with no task of the service on this Engine: names the nodes its tasks run on", async () => {
    const r = await runMain(ops, [...STACK, "exec", "postgres", "--", "psql"], fake({ FAKE_NO_TASK: "robotoff-postgres", FAKE_SERVICE_PS: "db-node-1" }));
    expect([r.code, r.stderr]).toEqual([
      1,
      "no running task of postgres (robotoff-postgres) on this Engine: its tasks run on db-node-1; run the command on that node",
    ]);
  });
  it("an Engine that is no swarm manager: one line, exit 2", async () => {
    const r = await runMain(ops, [...STACK, "ps"], { ROBOTOFF_DOCKER_CLI: FAKE, FAKE_SERVICE_LS: "/nonexistent" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^docker service ls: .* \(is this Engine a swarm manager\?\)$/);
  });
});

describe("npm run livecheck on swarm", () => {
  it("one line per service, exit 0 when every task runs (services' lines only: whatever answers at the api's URL here)", async () => {
    const r = await runMain(livecheck, STACK, fake());
    const lines = r.stdout.split("\n");
    expect(lines).toContain("workers: UP (3/3 tasks)");
    expect(lines).toContain("postgres: UP (1/1 tasks)");
    expect(lines.filter((l) => /^[a-z0-9_-]+: UP/.test(l)).length).toBe(declared.length);
  });
  it("exits 1 and says why a service is down, from Swarm's task errors", async () => {
    const r = await runMain(
      livecheck,
      STACK,
      fake({ FAKE_SERVICE_LS: serviceLs({ tf_serving: "0/1" }), FAKE_SERVICE_PS: "Rejected 1 minute ago\tno suitable node (scheduling constraints)" }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toContain("tf_serving: DOWN (0/1 tasks running: Rejected 1 minute ago, no suitable node (scheduling constraints))");
  });
  it("exits 1 for a service whose last update Swarm rolled back, asking the manager for every service's update state", async () => {
    const log = withLog();
    const r = await runMain(
      livecheck,
      STACK,
      fake({ FAKE_LOG: log, FAKE_SERVICE_INSPECT: "robotoff-workers\\trollback_completed\\trollback completed\\nrobotoff-api" }),
    );
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("workers:"))).toBe(
      "workers: DOWN (3/3 tasks, its last update failed and Swarm rolled it back: it runs the spec it had before (rollback completed); fix what the update changed, then pulumi up --refresh)",
    );
    expect(lines.filter((l) => /^[a-z0-9_-]+: UP/.test(l)).length).toBe(declared.length - 1);
    expect(calls(log).filter((c) => c === "default service inspect").length).toBe(1);
  });
});

/**
 * The operator commands on robotoff:target swarm: each service is a Swarm service named like its container
 * (`<containerPrefix>-<service>`), asked about through the manager the stack talks to (its `local` host).
 *   ps        `docker service ls`: running and desired tasks, image, ports
 *   logs      `docker service logs` (every task of the service)
 *   stop      `docker service scale <name>=0`; start: back to its robotoff:swarm.replicas; restart:
 *             `docker service update --force` (rolls like an update)
 *   exec      in a running task's container on that Engine (a task on another node: run it there), with
 *             the secrets in its environment as the task's own process has them
 */
import type { ServiceSpec } from "../models/spec";
import { secretEnvCommand } from "../services/swarm/secret-env";
import { secretFiles } from "../services/swarm/service-inputs";
import { lastLine, type docker } from "./cli";
import { InputError, UnreachableError } from "./cli-errors";
import type { PlacedContainer } from "./livecheck";
import type { Verdict } from "./livecheck-verdict";

/** One line of `docker service ls --format '{{json .}}'`. */
export interface ServiceRow {
  readonly Name: string;
  readonly Image: string;
  readonly Mode: string;
  /** `2/2`: running / desired tasks (Swarm counts a task with a healthcheck as running once healthy). */
  readonly Replicas: string;
  readonly Ports: string;
}

export const SERVICE_LS = ["service", "ls", "--format", "{{json .}}"];

/** The manager's services by name; an Engine that cannot list them (no manager, no answer) fails in one line. */
export async function listServices(run: typeof docker, url: string | undefined): Promise<Map<string, ServiceRow>> {
  const listed = await run(url, SERVICE_LS, 60_000);
  if (listed.code !== 0) throw new UnreachableError(`docker service ls${url ? ` at ${url}` : ""}: ${lastLine(listed)} (is this Engine a swarm manager?)`);
  return parseServiceLs(listed.stdout);
}

export function parseServiceLs(stdout: string): Map<string, ServiceRow> {
  const rows = stdout
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as ServiceRow);
  return new Map(rows.map((r) => [r.Name, r]));
}

/** `2/3 (max 1 per node)` -> running 2 of 3 desired. */
export function taskCounts(replicas: string): { running: number; desired: number } | undefined {
  const m = /^(\d+)\/(\d+)/.exec(replicas);
  return m ? { running: Number(m[1]), desired: Number(m[2]) } : undefined;
}

/** `ops ps` on Swarm: one row per service, by name; a service the manager lacks is "missing". */
export function swarmPsTable(targets: readonly PlacedContainer[], rows: ReadonlyMap<string, ServiceRow>): string {
  const lines = [["NAME", "SERVICE", "TASKS", "IMAGE", "PORTS"]];
  for (const t of [...targets].sort((a, b) => a.name.localeCompare(b.name))) {
    const row = rows.get(t.name);
    const counts = row && taskCounts(row.Replicas);
    lines.push([t.name, t.service, counts ? `${counts.running}/${counts.desired} running` : "missing", row?.Image ?? "", row?.Ports ?? ""]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines
    .map((l) =>
      l
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

/** A service's UpdateStatus (`docker service inspect`): its last update's state and Swarm's message about it. */
export interface UpdateStatus {
  readonly state: string;
  readonly message: string;
}

const UPDATE_STATUS_FORMAT = "{{.Spec.Name}}\t{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.Message}}{{end}}";

/**
 * The UpdateStatus of each service named (none listed for a service never updated). The docker provider
 * can report an update as done while Swarm is still rolling it back (it counts running tasks, and between a
 * failed new task and Swarm's rollback the old one is the slot's only running task), so livecheck reads
 * Swarm's own verdict.
 */
export async function updateStatuses(run: typeof docker, url: string | undefined, names: readonly string[]): Promise<Map<string, UpdateStatus>> {
  if (!names.length) return new Map();
  // A service removed between `service ls` and here fails the command for it alone; the others still print.
  const r = await run(url, ["service", "inspect", "--format", UPDATE_STATUS_FORMAT, ...names], 60_000);
  return parseUpdateStatuses(r.stdout);
}

export function parseUpdateStatuses(stdout: string): Map<string, UpdateStatus> {
  const statuses = new Map<string, UpdateStatus>();
  for (const line of stdout.split("\n")) {
    const [name, state, message = ""] = line.split("\t");
    if (name && state) statuses.set(name, { state, message });
  }
  return statuses;
}

/** The update states that mean the stack's last deploy of a service did not take (swarm.UpdateState). */
const FAILED_UPDATE: Readonly<Record<string, string>> = {
  rollback_started: "its last update failed and Swarm is rolling it back",
  rollback_completed: "its last update failed and Swarm rolled it back: it runs the spec it had before",
  rollback_paused: "its last update failed and Swarm paused the rollback",
  paused: "its last update failed and Swarm paused it",
};

/**
 * livecheck on Swarm: a service is up when every task the stack asks for runs (healthy, where it has a
 * healthcheck) and its last update did not fail; `whyDown` says what Swarm reports for a service that is not.
 */
export function assessSwarm(
  targets: readonly PlacedContainer[],
  rows: ReadonlyMap<string, ServiceRow>,
  whyDown: ReadonlyMap<string, string> = new Map(),
  updates: ReadonlyMap<string, UpdateStatus> = new Map(),
): Verdict[] {
  return targets.map(({ service, name, expectedTasks }) => {
    const row = rows.get(name);
    const counts = row && taskCounts(row.Replicas);
    if (!counts) return { service, up: false, detail: `no service ${name}` };
    const why = whyDown.get(name) ? `: ${whyDown.get(name)}` : "";
    if (expectedTasks === 0) return { service, up: counts.running === 0, detail: `stopped by robotoff:stopped, ${counts.running} running` };
    const update = updates.get(name);
    const failed = update && FAILED_UPDATE[update.state];
    if (failed) {
      return {
        service,
        up: false,
        detail: `${counts.running}/${counts.desired} tasks, ${failed} (${update.message})${why}; fix what the update changed, then pulumi up --refresh`,
      };
    }
    if (counts.desired !== expectedTasks) {
      return {
        service,
        up: false,
        detail: `${counts.running}/${counts.desired} tasks, the stack asks for ${expectedTasks} (npm run ops -- start ${service}, or pulumi up)`,
      };
    }
    if (counts.running < counts.desired) return { service, up: false, detail: `${counts.running}/${counts.desired} tasks running${why}` };
    return { service, up: true, detail: `${counts.running}/${counts.desired} tasks` };
  });
}

/** The newest error Swarm recorded for a service's tasks (`docker service ps`), for a service that is down. */
export async function lastTaskError(run: typeof docker, url: string | undefined, name: string): Promise<string | undefined> {
  const r = await run(url, ["service", "ps", "--no-trunc", "--format", "{{.CurrentState}}\t{{.Error}}", name], 60_000);
  if (r.code !== 0) return undefined;
  const line = r.stdout.split("\n").find((l) => l.split("\t")[1]?.trim());
  return line && line.replace("\t", ", ");
}

const DONE = { stop: "stopped", start: "started", restart: "restarted" } as const;
/** Longer than any stop grace period of the stack (data services: 120 s). */
const STOP_WAIT_SECONDS = 180;

/** The service's running tasks once none runs, or after `seconds`. */
async function runningAfter(run: typeof docker, t: PlacedContainer, seconds: number): Promise<number> {
  for (let waited = 0; ; waited++) {
    const listed = await run(t.url, ["service", "ls", "--filter", `name=${t.name}`, "--format", "{{json .}}"], 60_000);
    const row = parseServiceLs(listed.stdout).get(t.name);
    const running = (row && taskCounts(row.Replicas)?.running) ?? 0;
    if (running === 0 || waited >= seconds) return running;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** stop, start, restart on Swarm, in the order `ops` gives (stop: dependents first); one line per service. */
export async function swarmLifecycle(run: typeof docker, verb: "stop" | "start" | "restart", targets: readonly PlacedContainer[]): Promise<number> {
  let status = 0;
  for (const t of verb === "stop" ? [...targets].reverse() : targets) {
    const tasks = verb === "stop" ? 0 : (t.replicas ?? 1);
    const args =
      verb === "restart" ? ["service", "update", "--force", "--detach=false", "--quiet", t.name] : ["service", "scale", "--detach=false", `${t.name}=${tasks}`];
    const r = await run(t.url, args, 900_000);
    // The scale converges once no task is desired; those running get their stop grace period to end.
    const left = r.code === 0 && verb === "stop" ? await runningAfter(run, t, STOP_WAIT_SECONDS) : 0;
    if (left > 0) {
      status = 1;
      process.stdout.write(`${t.service}: not stopped: ${left} tasks still running after ${STOP_WAIT_SECONDS} s\n`);
    } else if (r.code === 0) process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name}${verb === "restart" ? "" : `, ${tasks} tasks`})\n`);
    else {
      status = 1;
      process.stdout.write(`${t.service}: not ${DONE[verb]}: ${lastLine(r)}\n`);
    }
  }
  return status;
}

/** A running task's container of the service on the Engine at `url`: where exec, backup and restore run. */
export async function swarmContainer(run: typeof docker, t: PlacedContainer): Promise<string> {
  const here = await run(
    t.url,
    ["ps", "--filter", `label=com.docker.swarm.service.name=${t.name}`, "--filter", "status=running", "--format", "{{.ID}}"],
    60_000,
  );
  const id = here.code === 0 ? here.stdout.split("\n").find(Boolean) : undefined;
  if (id) return id;
  const nodes = await run(t.url, ["service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}", t.name], 60_000);
  const where = [...new Set(nodes.stdout.split("\n").filter(Boolean))];
  throw new InputError(
    where.length > 0
      ? `no running task of ${t.service} (${t.name}) on this Engine: its tasks run on ${where.join(", ")}; run the command on that node`
      : `no running task of ${t.service} (${t.name}): ${here.code === 0 ? "none runs (npm run ops -- ps)" : lastLine(here)}`,
  );
}

/**
 * A command for `docker exec` in a task: given the secrets the task's own process reads into its
 * environment (services/swarm: a shell bridge in front of the image's command, which an exec bypasses).
 */
export function withSecretEnv(spec: Pick<ServiceSpec, "name" | "env">, command: readonly string[]): string[] {
  return secretEnvCommand(Object.fromEntries(secretFiles(spec).map((f) => [f.variable, f.fileName])), command);
}

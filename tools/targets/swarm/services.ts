/** The manager's view of the stack's Swarm services: `docker service ls`, `inspect` and `ps`, read. */
import { lastLine } from "../../shared/command";
import type { Docker } from "../../shared/docker";
import { UnreachableError } from "../../shared/errors";
import type { PlacedContainer } from "../target";

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
export async function listServices(run: Docker, url: string | undefined): Promise<Map<string, ServiceRow>> {
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
export async function updateStatuses(run: Docker, url: string | undefined, names: readonly string[]): Promise<Map<string, UpdateStatus>> {
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

/** The newest error Swarm recorded for a service's tasks (`docker service ps`), for a service that is down. */
export async function lastTaskError(run: Docker, url: string | undefined, name: string): Promise<string | undefined> {
  const r = await run(url, ["service", "ps", "--no-trunc", "--format", "{{.CurrentState}}\t{{.Error}}", name], 60_000);
  if (r.code !== 0) return undefined;
  const line = r.stdout.split("\n").find((l) => l.split("\t")[1]?.trim());
  return line && line.replace("\t", ", ");
}

/** livecheck on Swarm: every service runs the tasks the stack asks for, and its last update did not fail. */
import type { HostSpec } from "../../../models/spec";
import { engineVersion, type Docker } from "../../shared/docker";
import { engineUnreachable } from "../../shared/engine-unreachable";
import { askFromHost } from "../docker";
import type { ApiHealthCheck, PlacedContainer, ServiceStates, Verdict } from "../target";
import { lastTaskError, listServices, taskCounts, updateStatuses, type ServiceRow, type UpdateStatus } from "./services";

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

/** Every service through the manager (the stack's one host), then the api's health URL from there. */
export async function checkSwarm(hosts: readonly HostSpec[], run: Docker, declared: readonly PlacedContainer[], api?: ApiHealthCheck): Promise<ServiceStates> {
  const url = hosts[0]?.url;
  const engine = await engineVersion(run, url, 60_000);
  if (engine.code !== 0) {
    const why = engineUnreachable(hosts[0]?.name ?? "local", url, engine);
    return { verdicts: declared.map((d) => ({ service: d.service, up: false, detail: why })), unreachable: true };
  }
  const rows = await listServices(run, url);
  const updates = await updateStatuses(
    run,
    url,
    declared.map((d) => d.name).filter((name) => rows.has(name)),
  );
  const whyDown = new Map<string, string>();
  for (const v of assessSwarm(declared, rows, new Map(), updates)) {
    const name = declared.find((d) => d.service === v.service)!.name;
    if (!v.up && rows.has(name)) {
      const error = await lastTaskError(run, url, name);
      if (error) whyDown.set(name, error);
    }
  }
  const verdicts = assessSwarm(declared, rows, whyDown, updates);
  // On Swarm the api publishes its own port (robotoff:app.api.release rolling is refused there).
  const holder = api && verdicts.find((v) => v.service === api.service);
  if (api && holder) verdicts.push(holder.up ? await askFromHost(run, url, api) : api.notChecked(`the ${holder.service} is down`));
  return { verdicts, unreachable: false };
}

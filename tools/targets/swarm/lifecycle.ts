/** `ops stop | start | restart` on Swarm: scale to none, back to the service's replicas, or a forced update. */
import { lastLine } from "../../shared/command";
import type { Docker } from "../../shared/docker";
import type { LifecycleVerb, PlacedContainer } from "../target";
import { parseServiceLs, taskCounts } from "./services";

const DONE = { stop: "stopped", start: "started", restart: "restarted" } as const;
/** Longer than any stop grace period of the stack (data services: 120 s). */
const STOP_WAIT_SECONDS = 180;

/** The service's running tasks once none runs, or after `seconds`. */
async function runningAfter(run: Docker, t: PlacedContainer, seconds: number): Promise<number> {
  for (let waited = 0; ; waited++) {
    const listed = await run(t.url, ["service", "ls", "--filter", `name=${t.name}`, "--format", "{{json .}}"], 60_000);
    const row = parseServiceLs(listed.stdout).get(t.name);
    const running = (row && taskCounts(row.Replicas)?.running) ?? 0;
    if (running === 0 || waited >= seconds) return running;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** stop, start, restart on Swarm, in the order `ops` gives (stop: dependents first); one line per service. */
export async function swarmLifecycle(run: Docker, verb: LifecycleVerb, targets: readonly PlacedContainer[]): Promise<number> {
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

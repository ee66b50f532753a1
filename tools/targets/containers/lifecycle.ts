/** `ops stop | start | restart`: one container after the other, in the stack's start order. */
import type { Docker } from "../../shared/docker";
import { lastLine } from "../../shared/command";
import type { LifecycleVerb, PlacedContainer } from "../target";

const DONE = { stop: "stopped", start: "started", restart: "restarted" } as const;

/** A container's health once it is healthy, or at the end of `seconds`: healthy, starting, unhealthy, or why it is not known. */
async function healthWithin(run: Docker, t: PlacedContainer, seconds: number, pollMs: number): Promise<string> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const r = await run(t.url, ["inspect", "--type", "container", t.name], 60_000);
    const found =
      r.code === 0 ? (JSON.parse(r.stdout) as { Name: string; State: { Health?: { Status: string } } }[]).find((c) => c.Name === `/${t.name}`) : undefined;
    const health = found ? (found.State.Health?.Status ?? "no healthcheck") : lastLine(r);
    if (health === "healthy" || Date.now() >= until) return health;
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

/**
 * Stops (in reverse start order), starts or restarts (in start order), one line per container. The copies of
 * a service (the api, robotoff:app.api.release rolling) start one after the other, each once the one before
 * is healthy: a restart keeps the api answering. A copy that does not turn healthy leaves the next ones as
 * they are.
 */
export async function lifecycle(run: Docker, verb: LifecycleVerb, targets: readonly PlacedContainer[], pollMs = 1000): Promise<number> {
  let status = 0;
  const heldBack = new Set<string>();
  for (const t of verb === "stop" ? [...targets].reverse() : targets) {
    if (heldBack.has(t.service)) {
      process.stdout.write(`${t.service}: not ${DONE[verb]} (${t.name}): the copy before it is not healthy\n`);
      continue;
    }
    const r = await run(t.url, [verb, t.name], 300_000);
    if (r.code !== 0) {
      status = 1;
      process.stdout.write(`${t.service}: not ${DONE[verb]}: ${lastLine(r)}\n`);
      continue;
    }
    // Only copies have a wait (declaredContainers): the next copy waits for this one.
    if (verb === "stop" || !t.hasHealthcheck || t.waitSeconds === undefined) {
      process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name})\n`);
      continue;
    }
    const health = await healthWithin(run, t, t.waitSeconds, pollMs);
    if (health === "healthy") process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name}), healthy\n`);
    else {
      status = 1;
      heldBack.add(t.service);
      process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name}), not healthy after ${t.waitSeconds} s (${health})\n`);
    }
  }
  return status;
}

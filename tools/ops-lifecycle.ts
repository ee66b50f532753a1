/** `ops stop | start | restart`: one container after the other, in the stack's start order. */
import { lastLine, type docker } from "./cli";
import type { PlacedContainer } from "./livecheck";

/** The docker CLI on a stack's hosts (tools/cli.ts dockerOn), and how the stack's target runs a service. */
export interface Engines {
  readonly docker: typeof docker;
  /** The environment the docker CLI needs for one of the hosts. */
  readonly env: (url: string | undefined) => NodeJS.ProcessEnv | undefined;
  /**
   * What follows `docker exec [-i]` to run `command` in a service: its container, or a running task's on
   * Swarm, where the command is also given the secrets the task's own process reads (tools/ops-swarm.ts).
   */
  readonly exec: (t: PlacedContainer, command: readonly string[]) => Promise<string[]>;
  readonly lifecycle: (verb: "stop" | "start" | "restart", targets: readonly PlacedContainer[]) => Promise<number>;
}

const DONE = { stop: "stopped", start: "started", restart: "restarted" } as const;

/** Stops (in reverse start order), starts or restarts (in start order), one line per container. */
export async function lifecycle(run: typeof docker, verb: "stop" | "start" | "restart", targets: readonly PlacedContainer[]): Promise<number> {
  let status = 0;
  for (const t of verb === "stop" ? [...targets].reverse() : targets) {
    const r = await run(t.url, [verb, t.name], 300_000);
    if (r.code === 0) process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name})\n`);
    else {
      status = 1;
      process.stdout.write(`${t.service}: not ${DONE[verb]}: ${lastLine(r)}\n`);
    }
  }
  return status;
}

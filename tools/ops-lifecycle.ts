/** `ops stop | start | restart`: one container after the other, in the stack's start order. */
import { lastLine, type docker } from "./cli";
import type { PlacedContainer } from "./livecheck";

/** The docker CLI on a stack's hosts (tools/cli.ts dockerOn), and the environment it needs for one of them. */
export interface Engines {
  readonly docker: typeof docker;
  readonly env: (url: string | undefined) => NodeJS.ProcessEnv | undefined;
}

const DONE = { stop: "stopped", start: "started", restart: "restarted" } as const;

/** Stops (in reverse start order), starts or restarts (in start order), one line per container. */
export async function lifecycle(verb: "stop" | "start" | "restart", targets: readonly PlacedContainer[], engines: Engines): Promise<number> {
  let status = 0;
  for (const t of verb === "stop" ? [...targets].reverse() : targets) {
    const r = await engines.docker(t.url, [verb, t.name], 300_000);
    if (r.code === 0) process.stdout.write(`${t.service}: ${DONE[verb]} (${t.name})\n`);
    else {
      status = 1;
      process.stdout.write(`${t.service}: not ${DONE[verb]}: ${lastLine(r)}\n`);
    }
  }
  return status;
}

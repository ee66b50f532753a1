/**
 * What users of the api see during a release: one HTTP GET every `everyMs` from this machine (the Docker host),
 * each on a new connection, until stopped (and at most `maxMs`). A request fails on an error, a timeout or any
 * status but 200.
 */
import { get } from "node:http";
import { join } from "node:path";
import { run } from "../../tools/shared/command";

export interface LoopResult {
  readonly sent: number;
  readonly failed: number;
  /** The longest time without a successful answer: between two of them, or from the start to the first. */
  readonly longestGapMs: number;
  /** Each failure: what it was, and when it was sent (ms after the start). */
  readonly failures: readonly string[];
}

export interface RequestLoop {
  /** Stops sending, waits for the requests in flight, and tells what happened. */
  stop(): Promise<LoopResult>;
}

export function requestLoop(url: string, opts: { everyMs: number; timeoutMs?: number; maxMs?: number }): RequestLoop {
  const { everyMs, timeoutMs = 3_000, maxMs = 600_000 } = opts;
  const start = Date.now();
  let sent = 0;
  let lastAnswer = start;
  let longestGapMs = 0;
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const one = () => {
    const at = Date.now() - start;
    sent++;
    const done = new Promise<void>((resolve) => {
      const fail = (why: string) => {
        failures.push(`${why}@${at}ms`);
        resolve();
      };
      const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) return fail(String(res.statusCode));
          const now = Date.now();
          longestGapMs = Math.max(longestGapMs, now - lastAnswer);
          lastAnswer = now;
          resolve();
        });
        res.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      req.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timer = setInterval(() => (Date.now() - start > maxMs ? clearInterval(timer) : one()), everyMs);
  const stop = async (): Promise<LoopResult> => {
    clearInterval(timer);
    await Promise.all([...inFlight]);
    return { sent, failed: failures.length, longestGapMs, failures };
  };
  return { stop };
}

/** The loop for `forMs`. */
export async function requestsFor(url: string, everyMs: number, forMs: number): Promise<LoopResult> {
  const loop = requestLoop(url, { everyMs });
  await new Promise((r) => setTimeout(r, forMs));
  return loop.stop();
}

/**
 * The same loop from a container on `network` (request-loop.py, run by `image`'s python3), for a service only
 * that network reaches; the container is named `name` and removed by stop().
 */
export async function requestLoopIn(network: string, image: string, name: string, url: string, everyMs: number): Promise<RequestLoop> {
  const script = join(__dirname, "request-loop.py");
  const started = await run("docker", [
    "run",
    "-d",
    "--name",
    name,
    "--network",
    network,
    "-v",
    `${script}:/request-loop.py:ro`,
    "--entrypoint",
    "python3",
    image,
    "/request-loop.py",
    url,
    String(everyMs),
  ]);
  if (started.code !== 0) throw new Error(`request loop in ${network}: ${started.stderr}`);
  return {
    stop: async () => {
      await run("docker", ["stop", "-t", "30", name], { timeoutMs: 60_000 });
      const logs = await run("docker", ["logs", name]);
      await run("docker", ["rm", "-f", name]);
      const last = logs.stdout.split("\n").pop() ?? "";
      if (!last.startsWith("{")) throw new Error(`request loop in ${network} said: ${logs.stderr || logs.stdout}`);
      return JSON.parse(last) as LoopResult;
    },
  };
}

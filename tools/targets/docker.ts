/**
 * What both Docker targets share: the docker CLI on each service's host, to check the hosts answer, run a
 * command in a service, follow its logs and ask a URL from its host's network.
 */
import { spawn } from "node:child_process";
import type { HostSpec } from "../../models/spec";
import type { CommandResult } from "../shared/command";
import { dockerCli, dockerEnvOn, dockerOn, engineVersion, type Docker } from "../shared/docker";
import { engineUnreachable } from "../shared/engine-unreachable";
import { UnreachableError } from "../shared/errors";
import { labelOf, type ApiHealthCheck, type OpsTarget, type PlacedContainer, type Verdict } from "./target";

type EnvFor = (url: string | undefined) => NodeJS.ProcessEnv | undefined;

/** How a Docker target reaches a service: the docker CLI's words for its logs, and what follows `docker exec` to run a command in it. */
export interface DockerReach {
  readonly logsCommand: readonly string[];
  execArgs(run: Docker, t: PlacedContainer, command: readonly string[]): Promise<string[]>;
}

/** The parts of OpsTarget that both Docker targets do alike, through the docker CLI on the stack's hosts. */
export function dockerOps(hosts: readonly HostSpec[], reach: DockerReach): Pick<OpsTarget, "reachable" | "logs" | "exec" | "execAttached"> & { run: Docker } {
  const run = dockerOn(hosts);
  const env = dockerEnvOn(hosts);
  return {
    run,
    async reachable(targets) {
      for (const url of new Set(targets.map((t) => t.url))) {
        const answer = await engineVersion(run, url, 60_000);
        if (answer.code !== 0) throw new UnreachableError(engineUnreachable(targets.find((t) => t.url === url)!.host, url, answer));
      }
    },
    async logs(targets, { follow, tail, since }) {
      const options = [...(follow ? ["--follow"] : []), ...(tail ? ["--tail", tail] : []), ...(since ? ["--since", since] : [])];
      if (targets.length === 1) return attached(env, targets[0].url, [...reach.logsCommand, ...options, targets[0].name]);
      const width = Math.max(...targets.map((t) => labelOf(t).length));
      const one = (t: PlacedContainer) => prefixed(env, t.url, [...reach.logsCommand, ...options, t.name], `${labelOf(t).padEnd(width)} | `);
      // Followed logs run side by side; the others one service after the other.
      const codes = follow ? await Promise.all(targets.map(one)) : [];
      if (!follow) for (const t of targets) codes.push(await one(t));
      return codes.every((c) => c === 0) ? 0 : 1;
    },
    exec: async (t, command, timeoutMs) => run(t.url, ["exec", ...(await reach.execArgs(run, t, command))], timeoutMs),
    async execAttached(t, command) {
      const tty = process.stdin.isTTY && process.stdout.isTTY ? ["-it"] : ["-i"];
      return attached(env, t.url, ["exec", ...tty, ...(await reach.execArgs(run, t, command))]);
    },
  };
}

/** Upstream's `make health` (curl on the VM): from the host network of the Engine at `engine`, with the api's own image (python3). */
export async function askFromHost(run: Docker, engine: string | undefined, api: ApiHealthCheck): Promise<Verdict> {
  const fetch = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)";
  const r: CommandResult = await run(engine, ["run", "--rm", "--network", "host", "--entrypoint", "python3", api.image, "-c", fetch, api.url], 60_000);
  return api.answered(r);
}

/** The docker CLI with the terminal attached (exec, logs of one service): its exit status. */
function attached(env: EnvFor, url: string | undefined, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], { stdio: "inherit", env: { ...process.env, ...env(url) } });
    child.on("error", (err) => {
      process.stderr.write(`${dockerCli()}: ${err.message}\n`);
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

/** The docker CLI with each output line prefixed, as compose prefixes logs of several services. */
function prefixed(env: EnvFor, url: string | undefined, args: string[], prefix: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env(url) },
    });
    const relay = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
      let rest = "";
      from.setEncoding("utf8");
      from.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const l of lines) to.write(`${prefix}${l}\n`);
      });
      from.on("end", () => rest && to.write(`${prefix}${rest}\n`));
    };
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on("error", (err) => {
      process.stderr.write(`${prefix}${dockerCli()}: ${err.message}\n`);
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

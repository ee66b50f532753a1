/**
 * npm run ops -- --stack <name> [--config-file <path>] <verb> [service...]
 * The compose-era runbook as commands, on whichever Docker host each service runs (robotoff:hosts):
 *   ps [service...]                                  name, command, service, state with health, ports
 *   logs [-f] [--tail N] [--since T] [service...]    every service's log, prefixed when there are several
 *   stop | start | restart [service...]              in start order (stop: the reverse); all when none named
 *   exec <service> -- <command...>                   runs a command in the service's container
 *   backup [--if-replaced preview.json]              a database dump now (tools/ops-backup.ts); with
 *                                                    --if-replaced, only when that preview replaces postgres
 *   restore [--yes] <file>                           puts a dump back (tools/ops-backup.ts)
 * Containers and hosts come from the StackSpec (tools/stack-file.ts planStackFile), the program's own
 * placement; on robotoff:target swarm, the Swarm services of the same names (tools/ops-swarm.ts).
 * Exit 0: done; 1: a docker command failed; 2: bad arguments, or an Engine does not answer.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startOrder } from "../models/order";
import type { StackPlan } from "../models/stack-plan";
import { dockerCli, dockerEnvOn, dockerOn, PROJECT_DIR } from "./cli";
import { engineUnreachable } from "./engine-unreachable";
import type { Engines } from "./ops-lifecycle";
import { ArgumentError, runCommand, UnreachableError } from "./cli-errors";
import { declaredContainers, type PlacedContainer } from "./livecheck";
import { psTable, type PsContainer } from "./ops-ps";
import { labelOf } from "./livecheck-verdict";
import { backupNow, readPreview, replacesPostgres, restoreDump } from "./ops-backup";
import { lifecycle } from "./ops-lifecycle";
import { listServices, swarmContainer, swarmLifecycle, swarmPsTable, withSecretEnv } from "./ops-swarm";
import { planStackFile } from "./stack-file";

const USAGE = `usage: npm run ops -- --stack <name> [--config-file <path>] <verb> [service...]
  ps [service...]
  logs [-f] [--tail N] [--since T] [service...]
  stop | start | restart [service...]
  exec <service> -- <command...>
  backup [--if-replaced <pulumi preview --json output>]
  restore [--yes] <file>`;
const VERBS = ["ps", "logs", "stop", "start", "restart", "exec", "backup", "restore"] as const;
type Verb = (typeof VERBS)[number];

export interface OpsArgs {
  readonly stack: string;
  readonly configFile?: string;
  readonly verb: Verb;
  readonly operands: string[];
  /** What follows `--` (exec's command). */
  readonly command: string[];
  readonly follow: boolean;
  readonly tail?: string;
  readonly since?: string;
  readonly yes: boolean;
  /** backup: a `pulumi preview --json` output; dump only when it replaces or deletes postgres. */
  readonly ifReplaced?: string;
}

/** Options each verb accepts, beyond --stack and --config-file. */
const VERB_OPTIONS: Record<Verb, readonly string[]> = {
  ps: [],
  logs: ["follow", "tail", "since"],
  stop: [],
  start: [],
  restart: [],
  exec: [],
  backup: ["if-replaced"],
  restore: ["yes"],
};

export function parseOpsArgs(argv: string[]): OpsArgs {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        follow: { type: "boolean", short: "f" },
        tail: { type: "string" },
        since: { type: "string" },
        yes: { type: "boolean", short: "y" },
        "if-replaced": { type: "string" },
      },
    });
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (!values.stack) throw new ArgumentError(`--stack is required\n${USAGE}`);
  const [verb, ...operands] = positionals;
  if (!verb) throw new ArgumentError(`a verb is required\n${USAGE}`);
  if (!(VERBS as readonly string[]).includes(verb)) throw new ArgumentError(`unknown verb ${verb} (verbs: ${VERBS.join(", ")})\n${USAGE}`);
  const v = verb as Verb;
  for (const option of ["follow", "tail", "since", "yes", "if-replaced"] as const) {
    if (values[option] !== undefined && !VERB_OPTIONS[v].includes(option)) throw new ArgumentError(`--${option} does not apply to ${v}\n${USAGE}`);
  }
  if (values.tail !== undefined && !/^([0-9]+|all)$/.test(values.tail)) throw new ArgumentError(`--tail ${values.tail}: expected a number of lines or "all"`);
  if (command.length > 0 && v !== "exec") throw new ArgumentError(`${v} takes no command after --\n${USAGE}`);
  if (v === "exec" && (operands.length !== 1 || command.length === 0))
    throw new ArgumentError(`exec needs one service and a command: exec <service> -- <command...>`);
  if (v === "backup" && operands.length > 0) throw new ArgumentError(`backup takes no operand\n${USAGE}`);
  if (v === "restore" && operands.length !== 1) throw new ArgumentError(`restore needs one dump file: restore [--yes] <file>`);
  return {
    stack: values.stack,
    configFile: values["config-file"],
    verb: v,
    operands,
    command,
    follow: values.follow ?? false,
    tail: values.tail,
    since: values.since,
    yes: values.yes ?? false,
    ifReplaced: values["if-replaced"],
  };
}

/** The containers of the services named (all when none is), in start order; an unknown name lists those that exist. */
export function selectServices(plan: StackPlan, names: readonly string[]): PlacedContainer[] {
  const placed = declaredContainers(plan);
  const known = placed.map((p) => p.service);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ArgumentError(`no service ${unknown.join(", ")} in this stack; its services: ${[...known].sort().join(", ")}`);
  }
  const order = startOrder(plan.spec.services).map((s) => s.name as string);
  return placed.filter((p) => names.length === 0 || names.includes(p.service)).sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
}

/** Fails, in one line, when the Engine of one of these containers does not answer. */
export async function ensureEngines(targets: readonly PlacedContainer[], engines: Engines): Promise<void> {
  for (const url of new Set(targets.map((t) => t.url))) {
    const answer = await engines.docker(url, ["version", "--format", "{{.Server.Version}}"], 60_000);
    if (answer.code !== 0) throw new UnreachableError(engineUnreachable(targets.find((t) => t.url === url)!.host, url, answer));
  }
}

/** The docker CLI with the terminal attached (exec, logs of one service): its exit status. */
function attached(engines: Engines, url: string | undefined, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], { stdio: "inherit", env: { ...process.env, ...engines.env(url) } });
    child.on("error", (err) => {
      process.stderr.write(`${dockerCli()}: ${err.message}\n`);
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

/** The docker CLI with each output line prefixed, as compose prefixes logs of several services. */
function prefixed(engines: Engines, url: string | undefined, args: string[], prefix: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...engines.env(url) },
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

/** The docker CLI on the stack's hosts, and how its target stops, starts and reaches a service's container. */
function enginesFor(plan: StackPlan): Engines {
  const run = dockerOn(plan.spec.hosts);
  const base = { docker: run, env: dockerEnvOn(plan.spec.hosts) };
  if (plan.config.target === "swarm") {
    const specOf = (t: PlacedContainer) => plan.spec.services.find((s) => s.name === t.service)!;
    return {
      ...base,
      exec: async (t, command) => [await swarmContainer(run, t), ...withSecretEnv(specOf(t), command)],
      lifecycle: (verb, targets) => swarmLifecycle(run, verb, targets),
    };
  }
  return { ...base, exec: async (t, command) => [t.name, ...command], lifecycle: (verb, targets) => lifecycle(run, verb, targets) };
}

async function swarmPs(targets: readonly PlacedContainer[], engines: Engines): Promise<number> {
  const url = targets[0]?.url;
  process.stdout.write(`${swarmPsTable(targets, await listServices(engines.docker, url))}\n`);
  return 0;
}

async function ps(targets: readonly PlacedContainer[], engines: Engines): Promise<number> {
  const found: PsContainer[] = [];
  for (const url of new Set(targets.map((t) => t.url))) {
    // Exits 1 when a name is missing, yet prints the ones it found.
    const answer = await engines.docker(url, ["inspect", "--type", "container", ...targets.filter((t) => t.url === url).map((t) => t.name)], 60_000);
    found.push(...(JSON.parse(answer.stdout || "[]") as PsContainer[]));
  }
  // Compose lists by name.
  process.stdout.write(
    `${psTable(
      [...targets].sort((a, b) => a.name.localeCompare(b.name)),
      found,
    )}\n`,
  );
  return 0;
}

/** `verb` is `logs` for a container, `service logs` on Swarm (every task's lines). */
async function logs(targets: readonly PlacedContainer[], args: OpsArgs, engines: Engines, verb: string[]): Promise<number> {
  const options = [...(args.follow ? ["--follow"] : []), ...(args.tail ? ["--tail", args.tail] : []), ...(args.since ? ["--since", args.since] : [])];
  if (targets.length === 1) return attached(engines, targets[0].url, [...verb, ...options, targets[0].name]);
  const width = Math.max(...targets.map((t) => labelOf(t).length));
  const one = (t: PlacedContainer) => prefixed(engines, t.url, [...verb, ...options, t.name], `${labelOf(t).padEnd(width)} | `);
  // Followed logs run side by side; the others one service after the other.
  const codes = args.follow ? await Promise.all(targets.map(one)) : [];
  if (!args.follow) for (const t of targets) codes.push(await one(t));
  return codes.every((c) => c === 0) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseOpsArgs(argv);
  const { plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile && resolve(args.configFile));
  const engines = enginesFor(plan);
  if (args.verb === "backup" || args.verb === "restore") {
    const all = selectServices(plan, []);
    if (args.ifReplaced) readPreview(args.ifReplaced); // a bad file fails before any Engine is asked
    await ensureEngines(all, engines);
    if (args.verb === "restore") return restoreDump(plan, all, args.operands[0], { yes: args.yes }, engines);
    if (args.ifReplaced && !replacesPostgres(readPreview(args.ifReplaced))) {
      process.stdout.write("the preview does not replace postgres: no backup taken\n");
      return 0;
    }
    return backupNow(plan, all, engines);
  }
  const targets = selectServices(plan, args.operands);
  await ensureEngines(targets, engines);
  const swarm = plan.config.target === "swarm";
  switch (args.verb) {
    case "ps":
      return swarm ? swarmPs(targets, engines) : ps(targets, engines);
    case "logs":
      return logs(targets, args, engines, swarm ? ["service", "logs"] : ["logs"]);
    case "exec": {
      const tty = process.stdin.isTTY && process.stdout.isTTY ? ["-it"] : ["-i"];
      return attached(engines, targets[0].url, ["exec", ...tty, ...(await engines.exec(targets[0], args.command))]);
    }
    default:
      return engines.lifecycle(args.verb, targets);
  }
}

if (require.main === module) runCommand(main);

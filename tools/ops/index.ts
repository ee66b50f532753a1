/**
 * npm run ops -- --stack <name> [--config-file <path>] <verb> [service...]
 * The compose-era runbook as commands, on whichever Docker host each service runs (robotoff:hosts):
 *   ps [service...]                                  name, command, service, state with health, ports
 *   logs [-f] [--tail N] [--since T] [service...]    every service's log, prefixed when there are several
 *   stop | start | restart [service...]              in start order (stop: the reverse); all when none named
 *   exec <service> -- <command...>                   runs a command in the service's container
 *   backup [--if-replaced preview.json]              a database dump now (tools/ops/backup.ts); with
 *                                                    --if-replaced, only when that preview replaces postgres
 *   restore [--yes] <file>                           puts a dump back (tools/ops/backup.ts)
 * Containers and hosts come from the StackSpec (tools/shared/stack-file.ts planStackFile), the program's own
 * placement; on robotoff:target swarm, the Swarm services of the same names (tools/targets/swarm).
 * Exit 0: done; 1: a docker command failed; 2: bad arguments, or an Engine does not answer.
 */
import { resolve } from "node:path";
import { startOrder } from "../../models/order";
import type { StackPlan } from "../../models/stack-plan";
import { engineVersion } from "../shared/docker";
import { engineUnreachable } from "../shared/engine-unreachable";
import { ArgumentError, runCommand, UnreachableError } from "../shared/errors";
import { planStackFile, PROJECT_DIR } from "../shared/stack-file";
import { targetOf } from "../targets";
import { declaredContainers, labelOf, type OpsTarget, type PlacedContainer } from "../targets/target";
import { parseOpsArgs, type OpsArgs } from "./args";
import { backupNow, readPreview, replacesPostgres, restoreDump } from "./backup";
import { attached, prefixed } from "./streams";

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
export async function ensureEngines(chosen: readonly PlacedContainer[], target: OpsTarget): Promise<void> {
  for (const url of new Set(chosen.map((t) => t.url))) {
    const answer = await engineVersion(target.docker, url, 60_000);
    if (answer.code !== 0) throw new UnreachableError(engineUnreachable(chosen.find((t) => t.url === url)!.host, url, answer));
  }
}

/** Each service's log, through its target's logs command (`service logs` on Swarm: every task's lines). */
async function logs(chosen: readonly PlacedContainer[], args: OpsArgs, target: OpsTarget): Promise<number> {
  const options = [...(args.follow ? ["--follow"] : []), ...(args.tail ? ["--tail", args.tail] : []), ...(args.since ? ["--since", args.since] : [])];
  if (chosen.length === 1) return attached(target, chosen[0].url, [...target.logsCommand, ...options, chosen[0].name]);
  const width = Math.max(...chosen.map((t) => labelOf(t).length));
  const one = (t: PlacedContainer) => prefixed(target, t.url, [...target.logsCommand, ...options, t.name], `${labelOf(t).padEnd(width)} | `);
  // Followed logs run side by side; the others one service after the other.
  const codes = args.follow ? await Promise.all(chosen.map(one)) : [];
  if (!args.follow) for (const t of chosen) codes.push(await one(t));
  return codes.every((c) => c === 0) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseOpsArgs(argv);
  const { plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile && resolve(args.configFile));
  const target = targetOf(plan);
  if (args.verb === "backup" || args.verb === "restore") {
    const all = selectServices(plan, []);
    if (args.ifReplaced) readPreview(args.ifReplaced); // a bad file fails before any Engine is asked
    await ensureEngines(all, target);
    if (args.verb === "restore") return restoreDump(plan, all, args.operands[0], { yes: args.yes }, target);
    if (args.ifReplaced && !replacesPostgres(readPreview(args.ifReplaced))) {
      process.stdout.write("the preview does not replace postgres: no backup taken\n");
      return 0;
    }
    return backupNow(plan, all, target);
  }
  const chosen = selectServices(plan, args.operands);
  await ensureEngines(chosen, target);
  switch (args.verb) {
    case "ps":
      process.stdout.write(`${await target.ps(chosen)}\n`);
      return 0;
    case "logs":
      return logs(chosen, args, target);
    case "exec": {
      const tty = process.stdin.isTTY && process.stdout.isTTY ? ["-it"] : ["-i"];
      return attached(target, chosen[0].url, ["exec", ...tty, ...(await target.exec(chosen[0], args.command))]);
    }
    default:
      return target.lifecycle(args.verb, chosen);
  }
}

if (require.main === module) runCommand(main);

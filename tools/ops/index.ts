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
import { startOrder } from "../../models/order";
import type { StackPlan } from "../../models/stack-plan";
import { ArgumentError, runCommand } from "../shared/errors";
import { callerPath } from "../shared/args";
import { planStackFile, PROJECT_DIR } from "../shared/stack-file";
import { closest, distance } from "fastest-levenshtein";
import { targetOf } from "../targets";
import { declaredContainers, type PlacedContainer } from "../targets/target";
import { parseOpsArgs } from "./args";
import { backupNow, readPreview, needsDumpFirst, restoreDump } from "./backup";

/** The containers of the services named (all when none is), in start order; an unknown name lists those that exist. */
export function selectServices(plan: StackPlan, names: readonly string[]): PlacedContainer[] {
  const placed = declaredContainers(plan);
  // Each service once (the api's copies are one service), and each group (2026-06's `workers`) by its name.
  const groups = new Map<string, string[]>();
  for (const s of plan.spec.services) if (s.group) groups.set(s.group, [...(groups.get(s.group) ?? []), s.name]);
  const known = [...new Set([...placed.map((p) => p.service), ...groups.keys()])].sort();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    const near = unknown.map((n) => [n, closest(n, known)] as const).filter(([n, c]) => distance(n, c) <= Math.max(2, Math.floor(n.length / 3)));
    const meant = near.length ? ` (did you mean ${near.map(([, c]) => c).join(", ")}?)` : "";
    throw new ArgumentError(`no service ${unknown.join(", ")} in this stack${meant}; its services: ${known.join(", ")}`);
  }
  const wanted = new Set(names.flatMap((n) => groups.get(n) ?? [n]));
  const order = startOrder(plan.spec.services).map((s) => s.name as string);
  return placed.filter((p) => names.length === 0 || wanted.has(p.service)).sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseOpsArgs(argv);
  const { plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile && callerPath(args.configFile));
  const target = targetOf(plan);
  if (args.verb === "backup" || args.verb === "restore") {
    const all = selectServices(plan, []);
    if (args.ifReplaced) readPreview(args.ifReplaced); // a bad file fails before any Engine is asked
    await target.reachable(all);
    if (args.verb === "restore") return restoreDump(plan, all, args.operands[0], { yes: args.yes }, target);
    if (args.ifReplaced && !needsDumpFirst(readPreview(args.ifReplaced))) {
      process.stdout.write("the preview neither replaces postgres nor runs the migrations again: no backup taken\n");
      return 0;
    }
    return backupNow(plan, all, target);
  }
  const chosen = selectServices(plan, args.operands);
  await target.reachable(chosen);
  switch (args.verb) {
    case "ps":
      process.stdout.write(`${await target.ps(chosen)}\n`);
      return 0;
    case "logs":
      return target.logs(chosen, args);
    case "exec":
      return target.execAttached(chosen[0], args.command);
    default:
      // A one-off task runs again only when named (`ops start migrate-db`): not with every service.
      return target.lifecycle(args.verb, args.operands.length ? chosen : chosen.filter((c) => !c.oneOff));
  }
}

if (require.main === module) runCommand(main);

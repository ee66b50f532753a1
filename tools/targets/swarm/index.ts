/**
 * The operator commands on robotoff:target swarm: each service is a Swarm service named like its container
 * (`<containerPrefix>-<service>`), asked about through the manager the stack talks to (its `local` host).
 *   ps        `docker service ls`: running and desired tasks, image, ports
 *   logs      `docker service logs` (every task of the service)
 *   stop      `docker service scale <name>=0`; start: back to its robotoff:swarm.replicas; restart:
 *             `docker service update --force` (rolls like an update)
 *   exec      in a running task's container on that Engine (a task on another node: run it there), with
 *             the secrets in its environment as the task's own process has them
 */
import type { StackPlan } from "../../../models/stack-plan";
import { dockerOps } from "../docker";
import type { OpsTarget } from "../target";
import { checkSwarm } from "./check";
import { swarmContainer, withSecretEnv } from "./exec";
import { swarmLifecycle } from "./lifecycle";
import { listServices, swarmPsTable } from "./services";

export function swarmTarget(plan: StackPlan): OpsTarget {
  const specOf = (t: { service: string }) => plan.spec.services.find((s) => s.name === t.service)!;
  const { run, ...docker } = dockerOps(plan.spec.hosts, {
    // Every task's lines.
    logsCommand: ["service", "logs"],
    execArgs: async (run, t, command) => [await swarmContainer(run, t), ...withSecretEnv(specOf(t), command)],
  });
  return {
    ...docker,
    ps: async (targets) => swarmPsTable(targets, await listServices(run, targets[0]?.url)),
    lifecycle: (verb, targets) => swarmLifecycle(run, verb, targets),
    check: (declared, api) => checkSwarm(plan.spec.hosts, run, declared, api),
  };
}

/** robotoff:target containers: each service is one container (or its copies) on its Docker host, by name. */
import type { StackPlan } from "../../../models/stack-plan";
import { dockerOps } from "../docker";
import type { OpsTarget } from "../target";
import { checkContainers } from "./check";
import { lifecycle } from "./lifecycle";
import { containersPs } from "./ps";

export function containersTarget(plan: StackPlan): OpsTarget {
  const { run, ...docker } = dockerOps(plan.spec.hosts, { logsCommand: ["logs"], execArgs: async (_, t, command) => [t.name, ...command] });
  return {
    ...docker,
    ps: (targets) => containersPs(run, targets),
    lifecycle: (verb, targets) => lifecycle(run, verb, targets),
    check: (declared, api) => checkContainers(plan.spec.hosts, run, declared, api),
  };
}

/** robotoff:target containers: each service is one container (or its copies) on its Docker host, by name. */
import type { StackPlan } from "../../../models/stack-plan";
import { dockerEnvOn, dockerOn } from "../../shared/docker";
import type { OpsTarget } from "../target";
import { checkContainers } from "./check";
import { lifecycle } from "./lifecycle";
import { containersPs } from "./ps";

export function containersTarget(plan: StackPlan): OpsTarget {
  const run = dockerOn(plan.spec.hosts);
  return {
    docker: run,
    env: dockerEnvOn(plan.spec.hosts),
    ps: (targets) => containersPs(run, targets),
    logsCommand: ["logs"],
    exec: async (t, command) => [t.name, ...command],
    lifecycle: (verb, targets) => lifecycle(run, verb, targets),
    check: (declared, api) => checkContainers(plan.spec.hosts, run, declared, api),
  };
}

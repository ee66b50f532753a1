/** The stack's target, as the operator commands reach it: one entry per robotoff:target value. */
import type { TARGETS } from "../../models/config";
import type { StackPlan } from "../../models/stack-plan";
import { containersTarget } from "./containers";
import { swarmTarget } from "./swarm";
import type { OpsTarget } from "./target";

const BY_TARGET: Readonly<Record<(typeof TARGETS)[number], (plan: StackPlan) => OpsTarget>> = {
  containers: containersTarget,
  swarm: swarmTarget,
};

export const targetOf = (plan: StackPlan): OpsTarget => BY_TARGET[plan.config.target](plan);

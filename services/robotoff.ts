import type * as pulumi from "@pulumi/pulumi";
import type { TARGETS } from "../models/config";
import type { StackSpec } from "../models/spec";
import { containersTarget } from "./containers";
import { loadStack } from "./pulumi-config";
import { swarmTarget } from "./swarm";
import type { DeployTarget, RobotoffDeployment } from "./target";

/** One entry per robotoff:target value: a new target is a folder of services/ and a line here. */
const BY_TARGET: Readonly<Record<(typeof TARGETS)[number], DeployTarget>> = {
  containers: containersTarget,
  swarm: swarmTarget,
};

/**
 * The whole stack from its config: validate, compute the topology, build it on the stack's target.
 * `name` and `opts` exist so that a rename keeps state (`aliases: [{ name: "robotoff" }]`).
 */
export function deployRobotoff(name = "robotoff", opts?: pulumi.ComponentResourceOptions): { deployment: RobotoffDeployment; spec: StackSpec } {
  const stack = loadStack();
  return { deployment: BY_TARGET[stack.config.target](name, stack, opts), spec: stack.spec };
}

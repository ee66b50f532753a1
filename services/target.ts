/**
 * The seam between the program and a target (robotoff:target): each target is a folder of services/ whose
 * index.ts exports a DeployTarget, and services/robotoff.ts picks the stack's. A target builds every service of
 * the StackSpec and names what runs them (Workloads), so that index.ts exports its outputs the same way whichever
 * target it is, with no branch on the target.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SecretKey } from "../models/secrets";
import type { LoadedStack } from "./pulumi-config";

/** The stack outputs that name what runs each service: each target fills its own key, the others stay undefined. */
export interface Workloads {
  /** Containers target: each service's container name, or its copies' names (robotoff:app.api.release rolling). */
  readonly containers?: Readonly<Record<string, pulumi.Output<string> | pulumi.Output<string>[]>>;
  /** Swarm target: the Swarm service of each compose service. */
  readonly swarmServices?: Readonly<Record<string, pulumi.Output<string>>>;
}

/** What the program exports of a target's deployment. */
export interface RobotoffDeployment {
  /** The name of the network every service joins (on the `local` host). */
  readonly networkName: pulumi.Output<string>;
  /** Every secret the services receive, one value per key. */
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  readonly workloads: Workloads;
}

/** Builds a whole stack on one target: its component, named `name`, and everything under it. */
export type DeployTarget = (name: string, stack: LoadedStack, opts?: pulumi.ComponentResourceOptions) => RobotoffDeployment;

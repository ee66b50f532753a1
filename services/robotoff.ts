import * as pulumi from "@pulumi/pulumi";
import type { StackSpec } from "../models/spec";
import { loadStack } from "./pulumi-config";
import { Deployment } from "./deployment";
import { buildTriggers } from "./build-triggers";

/**
 * The whole stack from its config: validate, compute the topology, build the Deployment component.
 * `name` and `opts` exist so that a rename keeps state (`aliases: [{ name: "robotoff" }]`).
 */
export function deployRobotoff(
  name = "robotoff",
  opts?: pulumi.ComponentResourceOptions,
): { deployment: Deployment; spec: StackSpec } {
  const { spec, secretSources, configSecrets } = loadStack();
  const deployment = new Deployment(name, { spec, secretSources, configSecrets, buildTriggers: buildTriggers(spec) }, opts);
  return { deployment, spec };
}

import * as pulumi from "@pulumi/pulumi";
import type { StackSpec } from "../models/spec";
import { loadStack } from "./pulumi-config";
import { Deployment } from "./deployment";
import { buildTriggers } from "./build-triggers";
import { SwarmDeployment } from "./swarm/deployment";

/**
 * The whole stack from its config: validate, compute the topology, build the Deployment component
 * (SwarmDeployment with robotoff:target swarm).
 * `name` and `opts` exist so that a rename keeps state (`aliases: [{ name: "robotoff" }]`).
 */
export function deployRobotoff(name = "robotoff", opts?: pulumi.ComponentResourceOptions): { deployment: Deployment | SwarmDeployment; spec: StackSpec } {
  const { spec, secretSources, configSecrets, config } = loadStack();
  if (config.target === "swarm") {
    const { publishMode, endpointMode, secretsVersion } = config.swarm;
    const args = { spec, secretSources, configSecrets, networking: { publishMode, endpointMode }, namePrefix: config.containerPrefix, secretsVersion };
    return { deployment: new SwarmDeployment(name, args, opts), spec };
  }
  const deployment = new Deployment(name, { spec, secretSources, configSecrets, buildTriggers: buildTriggers(spec) }, opts);
  return { deployment, spec };
}

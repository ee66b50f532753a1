/** robotoff:target swarm: each service as a Docker Swarm service on the stack's overlay network. */
import type { DeployTarget } from "../target";
import { SwarmDeployment } from "./deployment";

export const swarmTarget: DeployTarget = (name, { spec, secretSources, configSecrets, config }, opts) => {
  // Generation 2026-06's schema refuses robotoff:target swarm: only a 2022-09 config gets here.
  if (config.generation !== "2022-09") throw new Error(`generation ${config.generation} has no swarm target`);
  const { publishMode, endpointMode, secretsVersion } = config.swarm;
  const networking = { publishMode, endpointMode };
  return new SwarmDeployment(name, { spec, secretSources, configSecrets, networking, namePrefix: config.containerPrefix, secretsVersion }, opts);
};

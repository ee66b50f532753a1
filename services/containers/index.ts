/** robotoff:target containers: each service as Docker containers on its host, as compose runs them. */
import type { DeployTarget } from "../target";
import { buildTriggers } from "./build-triggers";
import { Deployment } from "./deployment";

export const containersTarget: DeployTarget = (name, { spec, secretSources, configSecrets }, opts) =>
  new Deployment(name, { spec, secretSources, configSecrets, buildTriggers: buildTriggers(spec) }, opts);

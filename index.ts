import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./services/config";
import { Deployment } from "./services/deployment";
import { buildStackSpec } from "./models/stack";
import { secretSources, type SecretKey } from "./models/secrets";

const { config, secrets } = loadStackConfig();
const sources = secretSources(new Set(Object.keys(secrets) as SecretKey[]), config.environment);
const available = new Set((Object.keys(sources) as SecretKey[]).filter((k) => sources[k] !== "absent"));
const spec = buildStackSpec(config, available);

const deployment = new Deployment("robotoff", {
  spec,
  secretSources: sources,
  configSecrets: secrets,
  containerPrefix: pulumi.getProject(),
});

export const networkName = deployment.network.name;
export const containers = Object.fromEntries([...deployment.services].map(([svc, s]) => [svc, s.container.name]));
export const images = Object.fromEntries(spec.images.map((i) => [i.key, i.reference]));
export const apiUrl = spec.services
  .find((s) => s.name === "api")
  ?.ports.map((p) => `http://${p.ip ?? "localhost"}:${p.port}/api/v1/health`)[0];
/** The database password the containers use (generated in dev); read it with --show-secrets. */
export const postgresPassword = deployment.secrets.postgresPassword;

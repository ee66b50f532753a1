/**
 * The secrets the stack hands to its containers. Each is one top-level config key, read as a Pulumi
 * secret, and has exactly one source: the stack config, or (dev only, where marked) a generated value.
 * Each generation uses some of them (SECRETS_OF); a key of the other generation is refused by its schema.
 */
import type { Generation } from "./generation";

export const SECRET_KEYS = [
  "postgresPassword",
  "ipcAuthkey",
  "mongoUri",
  "offPassword",
  "influxdbPassword",
  "sentryDsn",
  "slackToken",
  "elasticPassword",
  "influxdbAuthToken",
  "googleCredentials",
  "batchJobKey",
  "nutripatrolToken",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The secrets each generation's containers receive (2022-09: .env of 2022; 2026-06: x-robotoff-base-env and ELASTIC_PASSWORD). */
export const SECRETS_OF: Readonly<Record<Generation, readonly SecretKey[]>> = {
  "2022-09": ["postgresPassword", "ipcAuthkey", "mongoUri", "offPassword", "influxdbPassword", "sentryDsn", "slackToken"],
  "2026-06": [
    "postgresPassword",
    "elasticPassword",
    "mongoUri",
    "offPassword",
    "influxdbAuthToken",
    "sentryDsn",
    "googleCredentials",
    "batchJobKey",
    "nutripatrolToken",
  ],
};

/** Shared between containers only, so any value works: dev may generate it when it is not set. */
export const GENERATED_IN_DEV: ReadonlySet<SecretKey> = new Set(["postgresPassword", "ipcAuthkey", "elasticPassword"]);

export type SecretSource = "config" | "generated" | "absent";

/** How each secret is obtained for a stack, from which keys are set, the environment and the generation. */
export function secretSources(
  setKeys: ReadonlySet<SecretKey>,
  environment: "dev" | "staging" | "prod",
  generation: Generation = "2022-09",
): Record<SecretKey, SecretSource> {
  const used = new Set(SECRETS_OF[generation]);
  const sources = {} as Record<SecretKey, SecretSource>;
  for (const key of SECRET_KEYS) {
    if (!used.has(key)) sources[key] = "absent";
    else if (setKeys.has(key)) sources[key] = "config";
    else if (environment === "dev" && GENERATED_IN_DEV.has(key)) sources[key] = "generated";
    else sources[key] = "absent";
  }
  return sources;
}

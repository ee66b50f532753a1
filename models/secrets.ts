/**
 * The secrets the stack hands to its containers. Each is one top-level config key, read as a Pulumi
 * secret, and has exactly one source: the stack config, or (dev only, where marked) a generated value.
 */

export const SECRET_KEYS = ["postgresPassword", "ipcAuthkey", "mongoUri", "offPassword", "influxdbPassword", "sentryDsn", "slackToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Shared between containers only, so any value works: dev may generate it when it is not set. */
export const GENERATED_IN_DEV: ReadonlySet<SecretKey> = new Set(["postgresPassword", "ipcAuthkey"]);

export type SecretSource = "config" | "generated" | "absent";

/** How each secret is obtained for a stack, from which keys are set and the environment. */
export function secretSources(setKeys: ReadonlySet<SecretKey>, environment: "dev" | "staging" | "prod"): Record<SecretKey, SecretSource> {
  const sources = {} as Record<SecretKey, SecretSource>;
  for (const key of SECRET_KEYS) {
    if (setKeys.has(key)) sources[key] = "config";
    else if (environment === "dev" && GENERATED_IN_DEV.has(key)) sources[key] = "generated";
    else sources[key] = "absent";
  }
  return sources;
}

/** Reads the `robotoff:*` stack config through the Pulumi SDK and validates it. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, NAMESPACE, parseStackConfig, type StackConfig } from "../models/config";
import { SECRET_KEYS, type SecretKey } from "../models/secrets";

export interface LoadedConfig {
  readonly config: StackConfig;
  /** The secrets set in config, each read as a Pulumi secret. */
  readonly secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/** Throws a RunError (a clean exit, no stack trace) that names every invalid key. */
export function loadStackConfig(): LoadedConfig {
  let config: StackConfig;
  try {
    config = parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack());
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  const bag = new pulumi.Config(NAMESPACE);
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of SECRET_KEYS) {
    const value = bag.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  return { config, secrets };
}

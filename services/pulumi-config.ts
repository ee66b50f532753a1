/** Reads the `robotoff:*` stack config through the Pulumi SDK and validates it. */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, type StackConfig } from "../models/config";
import { ConfigError } from "../models/config-error";
import { parseStackConfig } from "../models/validate";
import { SECRET_KEYS, type SecretKey } from "../models/secrets";

export interface LoadedConfig {
  readonly config: StackConfig;
  /** The secrets set in config, each read as a Pulumi secret. */
  readonly secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

// The SDK knows which keys the CLI decrypted from `secure:` values, but does not export the check.
const runtimeConfig: { isConfigSecret?: (key: string) => boolean } = require("@pulumi/pulumi/runtime/config");

/** Throws a RunError (a clean exit, no stack trace) that names every invalid key. */
export function loadStackConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const isSecret = runtimeConfig.isConfigSecret;
  if (typeof isSecret !== "function") throw new Error("this @pulumi/pulumi cannot tell secret config keys");
  const secretKeys = new Set(Object.keys(raw).filter((k) => isSecret(k)));
  let config: StackConfig;
  try {
    config = parseStackConfig(raw, pulumi.getStack(), secretKeys);
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

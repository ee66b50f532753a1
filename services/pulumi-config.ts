/** Reads the `robotoff:*` stack config through the Pulumi SDK and plans the stack from it (models/stack-plan.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "../models/config";
import { ConfigError } from "../models/config-error";
import { planStack, type StackPlan } from "../models/stack-plan";
import { SECRET_KEYS, type SecretKey } from "../models/secrets";
import { configWarnings } from "../models/warnings";
import { isConfigSecret } from "./sdk-internals";

export interface LoadedStack extends StackPlan {
  /** The secrets set in config, each read as a Pulumi secret. */
  readonly configSecrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/** Throws a RunError (a clean exit, no stack trace) that names every invalid key. */
export function loadStack(): LoadedStack {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(raw).filter(isConfigSecret));
  let plan: StackPlan;
  try {
    plan = planStack(raw, pulumi.getStack(), secretKeys, (path) => readFileSync(join(__dirname, "..", path), "utf8"));
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  for (const warning of configWarnings(plan.config, pulumi.getStack())) pulumi.log.warn(warning);
  const bag = new pulumi.Config(NAMESPACE);
  const configSecrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of SECRET_KEYS) {
    const value = bag.getSecret(key);
    if (value !== undefined) configSecrets[key] = value;
  }
  return { ...plan, configSecrets };
}

import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretKey, SecretSource } from "../models/secrets";

/** Where the secrets come from (models/secrets.ts) and the values of those set in config. */
export interface SecretInputs {
  /** Where each secret comes from (models/secrets.ts). */
  secretSources: Readonly<Record<SecretKey, SecretSource>>;
  /** Values of the secrets whose source is config. */
  configSecrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
}

/** Every secret the services receive, one value per key: from config, or generated (dev). */
export function stackSecrets(name: string, args: SecretInputs, parent: pulumi.Resource): Partial<Record<SecretKey, pulumi.Output<string>>> {
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const [key, source] of Object.entries(args.secretSources) as [SecretKey, SecretSource][]) {
    if (source === "config") secrets[key] = args.configSecrets[key];
    if (source === "generated") {
      // The provider marks `result` secret, but only once it answers: say so here, before any use.
      const generated = new random.RandomPassword(`${name}-${key}`, { length: 32, special: false }, { parent });
      secrets[key] = pulumi.secret(generated.result);
    }
  }
  return secrets;
}

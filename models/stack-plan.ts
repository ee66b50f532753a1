/**
 * The one path from raw stack config to what runs: validate, then build the StackSpec. The program
 * (services/robotoff.ts) and the operator tools (doctor, livecheck) both go through planStack.
 */
import { parseStackConfig } from "./validate";
import type { StackFiles } from "./compose";
import { specOf, type AnyStackConfig } from "./generations";
import { SECRET_KEYS, secretSources, type SecretKey, type SecretSource } from "./secrets";
import type { StackSpec } from "./spec";
import type { ConfigSource } from "./config-error";
import { NAMESPACE } from "./config";
import { ConfigError } from "./config-error";

/** Files of this repository the stack ships into containers, relative to the project folder. */
export const SHIPPED_FILES = { statsdMapping: "monitoring/statsd.conf" } as const;

export interface StackPlan {
  readonly config: AnyStackConfig;
  readonly spec: StackSpec;
  /** Where each secret comes from: config, generated (dev), or absent. */
  readonly secretSources: Readonly<Record<SecretKey, SecretSource>>;
}

/**
 * `raw` is the runtime config map (full key -> string, objects as JSON); `source` the stack (and the
 * config file) it was read from, which fixes name; `secretKeys` the keys the CLI
 * marked secret; `readFile` reads a file of the project (SHIPPED_FILES). Throws a ConfigError.
 */
export function planStack(
  raw: Readonly<Record<string, string>>,
  source: string | ConfigSource,
  secretKeys: ReadonlySet<string>,
  readFile: (relativePath: string) => string,
): StackPlan {
  const config = parseStackConfig(raw, source, secretKeys);
  const sources = secretSources(new Set(SECRET_KEYS.filter((k) => `${NAMESPACE}:${k}` in raw)), config.environment, config.generation);
  const available = new Set(SECRET_KEYS.filter((k) => sources[k] !== "absent"));
  const files: StackFiles = config.monitoring.enabled ? { statsdMapping: readFile(SHIPPED_FILES.statsdMapping) } : {};
  const spec = specOf(config, available, files);
  // A one-off task cannot be kept stopped: the app waits for its run.
  const services = spec.services.filter((s) => !s.oneOff);
  const notRun = config.stopped.filter((name) => !services.some((s) => s.name === name));
  if (notRun.length > 0) {
    const tasks = spec.services.filter((s) => s.oneOff).map((s) => s.name);
    const why = tasks.length ? `; not ${tasks.join(" or ")}, one-off tasks that run at their create and that the app waits for` : "";
    const expected = `services this stack runs (${services.map((s) => s.name).join(", ")})${why}`;
    throw new ConfigError(typeof source === "string" ? { stack: source } : source, [{ key: `${NAMESPACE}:stopped`, expected, found: JSON.stringify(notRun) }]);
  }
  return { config, spec, secretSources: sources };
}

/** Rules and helpers the generations' validation shares: keys as the CLI takes them, and rules over keys both have. */
import { NAMESPACE } from "./config";
import { removalFix, type ConfigIssue } from "./config-error";
import { bindingsClash, formatBinding, isPublic } from "./ports";
import { SECRET_KEYS } from "./secrets";
import { formatMb } from "./size";
import type { StackSpec } from "./spec";

export const describe = (value: unknown): string => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));
/** A key as `pulumi config set --path` takes it: an array's item by its index in brackets (`tfServing.models[0].sha256`). */
export const fullKey = (path: readonly PropertyKey[]) =>
  `${NAMESPACE}:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("")}`;

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: any = root;
  for (const p of path) v = v == null ? undefined : v[p as any];
  return v;
}

/** robotoff:hosts: `local` is the provider's default, every other host has a url. */
export function hostUrlIssues(hosts: Readonly<Record<string, { url?: string }>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (hosts.local?.url !== undefined) {
    issues.push({
      key: fullKey(["hosts", "local", "url"]),
      expected: "no url: local is the provider's default Docker host (DOCKER_HOST)",
      found: describe(hosts.local.url),
      // Setting it again is not the fix: removing it is.
      fix: removalFix(fullKey(["hosts", "local", "url"]), { path: true }),
    });
  }
  for (const [name, h] of Object.entries(hosts)) {
    if (name !== "local" && h.url === undefined)
      issues.push({
        key: fullKey(["hosts", name, "url"]),
        expected: "an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address",
        found: "nothing",
      });
  }
  return issues;
}

/**
 * Every port the spec publishes, on its service's host, with the key that sets it: two services on one address and
 * port, or a port beyond loopback that the stack does not let its service publish there (`hint` says what allows more).
 */
export function publishedPortIssues(spec: StackSpec, input: Record<string, unknown>, hint: (service: string) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const published = spec.services.flatMap((svc) =>
    svc.ports.map((p) => ({ ...p, host: svc.host, service: svc.name, mayBePublic: svc.publishBeyondLoopback === true })),
  );
  published.forEach((b, i) => {
    const clash = published.slice(0, i).find((a) => a.host === b.host && bindingsClash(a, b));
    const text = formatBinding(b);
    if (clash) {
      // The key the stack file sets, where the other one is a default: the one the operator changed.
      const set = (x: typeof b) => valueAt(input, x.configKey.split(".")) !== undefined;
      const [changed, other] = set(clash) && !set(b) ? [clash, b] : [b, clash];
      issues.push({
        key: fullKey(changed.configKey.split(".")),
        expected: "a host address and port no other service publishes",
        found: `${describe(formatBinding(changed))}, already published by ${fullKey(other.configKey.split("."))}`,
      });
    }
    if (!b.mayBePublic && isPublic(b)) {
      issues.push({
        key: fullKey(b.configKey.split(".")),
        expected: `a loopback binding like 127.0.0.1:${b.port}, or null${hint(b.service)}`,
        found: describe(text),
      });
    }
  });
  return issues;
}

/** docker/dev.yml's switch: an image built on this machine, with the checkout's sources mounted over it. */
export function devOnlyIssues(cfg: { readonly environment: string; readonly dev: { readonly enabled: boolean } }): ConfigIssue[] {
  if (!cfg.dev.enabled || cfg.environment === "dev") return [];
  return [
    {
      key: fullKey(["dev", "enabled"]),
      expected: `false outside dev (it runs an image built on this machine, with host sources mounted in, in ${cfg.environment})`,
      found: "true",
      fix: removalFix(fullKey(["dev", "enabled"]), { path: true }),
    },
  ];
}

export function elasticsearchMemoryIssues(es: { readonly memory: number; readonly heapSize: number }): ConfigIssue[] {
  if (es.memory >= 2 * es.heapSize) return [];
  return [
    {
      key: fullKey(["elasticsearch", "memory"]),
      expected: `at least twice elasticsearch.heapSize (${formatMb(es.heapSize)}): the JVM needs memory beside its heap`,
      found: describe(formatMb(es.memory)),
    },
  ];
}

/** robotoff:app.env may add variables, not set one the stack sets itself (`owner` names the key that does). */
export function appEnvIssues(env: Readonly<Record<string, string>>, owner: (variable: string) => string | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const variable of Object.keys(env)) {
    const by = owner(variable);
    if (!by) continue;
    const key = fullKey(["app", "env", variable]);
    // Remove the variable; set the key it comes from instead, unless the stack fixes its value.
    const fixed = by.startsWith("(");
    issues.push({
      key,
      expected: `a variable the stack does not set itself (${variable} comes from ${fixed ? by : fullKey([by])})`,
      found: describe(env[variable]),
      fix: removalFix(key, {
        path: true,
        ...(fixed ? {} : { instead: fullKey([by]), insteadIsSecret: (SECRET_KEYS as readonly string[]).includes(by) }),
      }),
    });
  }
  return issues;
}

/** Outside dev no data volume is deleted with the stack. */
export function managedVolumeIssues(environment: string, volumes: Readonly<Record<string, { readonly lifecycle: string }>>): ConfigIssue[] {
  if (environment === "dev") return [];
  return Object.entries(volumes)
    .filter(([, v]) => v.lifecycle === "managed")
    .map(([key, v]) => ({
      key: fullKey(["volumes", key, "lifecycle"]),
      expected: `"external" or "retained" in ${environment} (a managed volume is deleted with the stack, and its data with it)`,
      found: describe(v.lifecycle),
    }));
}

/**
 * Validates the `robotoff:*` entries of the runtime config map (top-level key -> string, objects as
 * JSON) against the schema, then the rules that span several keys. Every problem is reported at once.
 */
import type { z } from "zod";
import { closest, distance } from "fastest-levenshtein";
import { GENERATIONS, HOST_KEYS, hostAddress, hostOf, NAMESPACE, OBJECT_KEYS, StackConfigSchema, type Generation, type StackConfig } from "./config";
import { ConfigError, removalFix, setFix, type ConfigIssue, type ConfigSource } from "./config-error";
import { managedBy } from "./app-env";
import { formatBinding, isPublic, type HostBinding } from "./ports";
import { buildStackSpec } from "./stack";
import { SECRET_KEYS, SECRETS_OF } from "./secrets";
import { OBJECT_KEYS_2026, Schema2026, type Config2026 } from "./generations/2026-06/config";
import { rules2026 } from "./generations/2026-06/rules";
import type { AnyStackConfig } from "./generations";
import { shellQuote } from "./shell";
import {
  appEnvIssues,
  describe,
  devOnlyIssues,
  elasticsearchMemoryIssues,
  fullKey,
  hostUrlIssues,
  managedVolumeIssues,
  publishedPortIssues,
  valueAt,
} from "./rules";

/** A path into one of the secret keys (of either generation). */
const isSecretKey = (path: readonly PropertyKey[]) => path.length >= 1 && (SECRET_KEYS as readonly PropertyKey[]).includes(path[0]);

/** Each generation's schema. */
const SCHEMAS: Readonly<Record<Generation, z.ZodType>> = { "2022-09": StackConfigSchema, "2026-06": Schema2026 };

/** The schema below its wrappers (default, optional, pipe): what the value itself must be. */
function unwrapped(schema: any): any {
  for (;;) {
    const def = schema._zod.def;
    if (def.innerType) schema = def.innerType;
    else if (def.type === "pipe") schema = def.in;
    else return schema;
  }
}

/** The keys `root` knows at `path`, for "did you mean" and "a key of the other generation". */
function knownKeys(path: readonly PropertyKey[], root: z.ZodType): string[] {
  let schema: any = root;
  for (const step of [...path, undefined]) {
    schema = unwrapped(schema);
    const shape = schema._zod.def.shape;
    if (!shape) return [];
    if (step === undefined) return Object.keys(shape);
    schema = shape[step as string];
    if (!schema) return [];
  }
  return [];
}

/** The schema of the value at `path` (object keys, record keys and array indexes), or undefined past a union or an unknown key. */
function schemaAt(path: readonly PropertyKey[], root: z.ZodType): any {
  let schema: any = unwrapped(root);
  for (const step of path) {
    const def = schema._zod.def;
    if (def.type === "array" && typeof step === "number") schema = unwrapped(def.element);
    else if (def.type === "record" && typeof step === "string") schema = unwrapped(def.valueType);
    else if (def.shape && typeof step === "string" && def.shape[step]) schema = unwrapped(def.shape[step]);
    else return undefined;
  }
  return schema;
}

/** The key of each leaf an operator must give for a value of `schema` at `path`, set one by one with --path. */
function leavesToSet(path: readonly PropertyKey[], schema: any): (readonly PropertyKey[])[] {
  const def = schema?._zod.def;
  if (def?.type === "array") return leavesToSet([...path, 0], unwrapped(def.element));
  if (!def?.shape) return [path];
  const keys = Object.keys(def.shape);
  // Those without a default first; an object of defaults only is set through its first key.
  const required = keys.filter((k) => !def.shape[k].safeParse(undefined).success);
  return (required.length ? required : keys.slice(0, 1)).flatMap((k) => leavesToSet([...path, k], unwrapped(def.shape[k])));
}

/**
 * The fix of a value that is an object or a list: `pulumi config set --path` takes one leaf at a time (a list's
 * first item is [0]); none (the plain `set` of the key) for any other value.
 */
function leafFixes(path: readonly PropertyKey[], root: z.ZodType, found: unknown): string[] | undefined {
  const schema = schemaAt(path, root);
  const def = schema?._zod.def;
  if (def?.type !== "array" && !def?.shape) return undefined;
  const sets = leavesToSet(path, schema).map((leaf) => setFix(fullKey(leaf)));
  // The CLI sets a path only inside an object or a list: another value there goes first.
  const container = def.type === "array" ? Array.isArray(found) : typeof found === "object" && found !== null && !Array.isArray(found);
  return found === undefined || container ? sets : [`pulumi config rm --path '${fullKey(path)}'`, ...sets];
}

/** The known key at `path` that `key` is probably a typo of. */
function suggestion(path: readonly PropertyKey[], key: string, schema: z.ZodType): string | undefined {
  const candidates = knownKeys(path, schema);
  if (candidates.length === 0) return undefined;
  const best = closest(key, candidates);
  return distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? fullKey([...path, best]) : undefined;
}

function expectedText(issue: z.core.$ZodIssue): string {
  // The schema's own words (config.ts: a size, a duration, a name) say more than zod's.
  if (issue.message.startsWith("expected ")) return issue.message.slice("expected ".length);
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "int" ? "a whole number" : `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      // A text's minimum is its length: z.string().min(1) is "not empty".
      if (issue.origin === "string" && issue.minimum === 1) return "a non-empty text";
      return `at least ${issue.minimum}`;
    case "too_big":
      return `at most ${issue.maximum}`;
    case "invalid_key": // a record's key: what its own schema says
      return issue.issues.map((inner) => expectedText(inner as z.core.$ZodIssue)).join("; ");
    default:
      return issue.message;
  }
}

function schemaIssues(input: Record<string, unknown>, error: z.ZodError, generation: Generation): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const other = GENERATIONS.find((g) => g !== generation)!;
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        const path = [...issue.path, k];
        // A key of the other generation is said as such: the stack file mixes the two.
        const elsewhere = knownKeys(issue.path, SCHEMAS[other]).includes(k);
        const meant = elsewhere ? undefined : suggestion(issue.path, k, SCHEMAS[generation]);
        const retired = RETIRED_KEYS[path.join(".")];
        issues.push({
          key: fullKey(path),
          expected: elsewhere
            ? `no such key in generation ${generation} (a key of generation ${other}; robotoff:generation is ${generation})`
            : retired
              ? `no such key (${retired})`
              : `no such key${meant ? ` (did you mean ${meant}?)` : ""}`,
          // A secret of the other generation holds a secret value all the same.
          ...(isSecretKey(path) ? { found: "a value (not shown: secret)", secret: true } : { found: describe(valueAt(input, path)) }),
          fix: removalFix(fullKey(path), { path: true, instead: meant }),
        });
      }
      continue;
    }
    const secret = isSecretKey(issue.path);
    const found = secret ? "a value (not shown: secret)" : describe(valueAt(input, issue.path));
    const fix = secret ? undefined : leafFixes(issue.path, SCHEMAS[generation], valueAt(input, issue.path));
    issues.push({ key: fullKey(issue.path), expected: expectedText(issue), found, ...(secret ? { secret } : {}), ...(fix ? { fix } : {}) });
  }
  return issues;
}

/** Secret keys whose name says what they are: never in clear, in any stack. */
const NAMED_SECRET = /password|token|secret|authkey|dsn/i;

/** Secrets that are missing (staging and prod need them all) or set without `--secret`. */
function secretIssues(raw: Readonly<Record<string, string>>, environment: unknown, secretKeys: ReadonlySet<string>, generation: Generation): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const shared = environment === "staging" || environment === "prod";
  for (const key of SECRETS_OF[generation]) {
    const k = fullKey([key]);
    if (!(k in raw) || raw[k] === "") {
      // An empty value leaks nothing: fine where the secret is optional, as missing where it is required.
      if (shared) {
        issues.push({
          key: k,
          expected: `a secret (every secret is required in ${environment})`,
          found: k in raw ? "an empty value" : "nothing",
          secret: true,
        });
      }
    } else if (!secretKeys.has(k) && (NAMED_SECRET.test(key) || shared)) {
      issues.push({ key: k, expected: "a secret value (set with --secret)", found: "a plaintext value", secret: true });
    }
  }
  return issues;
}

/** Keys earlier releases documented, and why they are gone. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  "postgres.host": "postgres runs on robotoff:app.host, with the app: its port is never published to another host",
  "elasticsearch.host": "Elasticsearch runs on robotoff:app.host, with the app: its port is never published to another host",
};

/** Placement on Docker hosts: known hosts, reachable addresses, published ports across hosts. */
const hostKeys = Object.entries(HOST_KEYS) as [keyof typeof HOST_KEYS, readonly string[]][];

function placementIssues(cfg: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = hostUrlIssues(cfg.hosts);
  const known = Object.keys(cfg.hosts);
  for (const [service, path] of hostKeys) {
    const where = hostOf(cfg, service);
    if (!known.includes(where))
      issues.push({ key: fullKey(path), expected: `one of ${known.map((k) => JSON.stringify(k)).join(", ")} (robotoff:hosts)`, found: describe(where) });
  }
  const tfHost = hostOf(cfg, "tf_serving");
  if (cfg.tfServing.enabled && !cfg.app.setTfServingHost && tfHost !== cfg.app.host && known.includes(tfHost)) {
    issues.push({
      key: fullKey(["app", "setTfServingHost"]),
      expected: `true while tf_serving runs on another host (robotoff:tfServing.host ${JSON.stringify(tfHost)}): the app is told its address`,
      found: "false",
    });
  }
  // What the app reaches at start on another host (postgres and Elasticsearch run with it), and the ports it
  // would reach it on.
  const needed: (readonly [string, readonly string[], readonly (HostBinding | null)[]])[] =
    cfg.app.setTfServingHost && cfg.tfServing.enabled ? [["tf_serving", HOST_KEYS.tf_serving, [cfg.tfServing.expose.grpc, cfg.tfServing.expose.rest]]] : [];
  for (const [service, path, bindings] of needed) {
    const where = hostOf(cfg, service as "tf_serving");
    if (where === cfg.app.host || !known.includes(where)) continue;
    const reachable = bindings.every((b) => b !== null && isPublic(b));
    if (!reachable) {
      issues.push({
        key: fullKey(path),
        expected: `robotoff:app.host (${JSON.stringify(cfg.app.host)}), or ${service} ports published beyond loopback for the app to reach it from there`,
        found: describe(where),
      });
    } else if (hostAddress(cfg, where) === undefined) {
      issues.push({ key: fullKey(["hosts", where, "address"]), expected: `the address the app reaches ${where} at`, found: "nothing" });
    }
  }
  return issues;
}

/** robotoff:target swarm: what Swarm cannot run as configured. */
function swarmIssues(cfg: StackConfig): ConfigIssue[] {
  if (cfg.target !== "swarm") return [];
  const issues: ConfigIssue[] = [];
  const sw = cfg.swarm;
  const pinned = [
    ["postgres", sw.nodeLabels.postgres],
    ["elasticsearch", sw.nodeLabels.elasticsearch],
    ...(cfg.tfServing.enabled ? ([["tfServing", sw.nodeLabels.tfServing]] as const) : []),
  ] as const;
  for (const [service, label] of pinned) {
    if (label === undefined) {
      issues.push({
        key: fullKey(["swarm", "nodeLabels", service]),
        expected: `the node label (key=value) of the node that holds ${service}'s data`,
        found: "nothing",
      });
    }
  }
  for (const [service, path] of hostKeys) {
    const where = hostOf(cfg, service);
    if (where !== "local")
      issues.push({
        key: fullKey(path),
        expected: `"local" on swarm (the manager the stack talks to; robotoff:swarm.nodeLabels places services)`,
        found: describe(where),
      });
  }
  if (cfg.dev.enabled)
    issues.push({ key: fullKey(["dev", "enabled"]), expected: "false on swarm (an image built on one host is on no other node)", found: "true" });
  if (cfg.app.api.release === "rolling")
    issues.push({
      key: fullKey(["app", "api", "release"]),
      expected: `"replace" on swarm (Swarm replaces the api's tasks one by one itself: robotoff:swarm.apiUpdateOrder)`,
      found: '"rolling"',
    });
  const published: [string[], HostBinding | null][] = [
    [["app", "api", "expose", "http"], cfg.app.api.expose.http],
    ...(cfg.tfServing.enabled
      ? ([
          [["tfServing", "expose", "grpc"], cfg.tfServing.expose.grpc],
          [["tfServing", "expose", "rest"], cfg.tfServing.expose.rest],
        ] as [string[], HostBinding | null][])
      : []),
  ];
  const onSwarm = published.filter((p): p is [string[], HostBinding] => p[1] !== null && isPublic(p[1]));
  for (const [path, binding] of onSwarm) {
    if (binding.ip !== undefined) {
      issues.push({ key: fullKey(path), expected: "a port without an address: Swarm publishes on every interface", found: describe(formatBinding(binding)) });
    }
  }
  if (sw.endpointMode === "dnsrr" && sw.publishMode === "ingress" && onSwarm.length > 0) {
    issues.push({
      key: fullKey(["swarm", "publishMode"]),
      expected: `"host" with endpointMode dnsrr (Swarm refuses ingress ports on a dnsrr service; ${fullKey(onSwarm[0][0])} publishes one)`,
      found: '"ingress"',
    });
  }
  const apiPort = cfg.app.api.expose.http;
  if (sw.apiUpdateOrder === "start-first" && sw.publishMode === "host" && apiPort !== null && isPublic(apiPort)) {
    issues.push({
      key: fullKey(["swarm", "apiUpdateOrder"]),
      expected: `"stop-first" while the api publishes host-mode port ${describe(formatBinding(apiPort))} (the new task cannot bind the port its old task holds on that node), or publishMode ingress`,
      found: '"start-first"',
    });
  }
  return issues;
}

/** Rules that span keys; they run on a config the schema accepted. */
function crossKeyIssues(cfg: StackConfig, input: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const spec = buildStackSpec(cfg, new Set(SECRET_KEYS), { statsdMapping: "" });
  issues.push(
    ...publishedPortIssues(spec, input, (service) =>
      service === "tf_serving" ? "; robotoff:tfServing.allowRemoteAccess allows more" : "; only the api is published beyond it",
    ),
  );

  issues.push(...placementIssues(cfg), ...swarmIssues(cfg));

  issues.push(...devOnlyIssues(cfg));
  issues.push(...elasticsearchMemoryIssues(cfg.elasticsearch), ...appEnvIssues(cfg.app.env, managedBy));

  if (cfg.app.setTfServingHost && !cfg.tfServing.enabled) {
    issues.push({ key: fullKey(["app", "setTfServingHost"]), expected: "false while robotoff:tfServing.enabled is false", found: "true" });
  }

  issues.push(...managedVolumeIssues(cfg.environment, cfg.volumes));
  return issues;
}

/**
 * `secretKeys` are the full keys the CLI marked secret (`secure:` in the stack file); `source` (a stack
 * name, or the stack and the file its config was read from) is what the fixes name.
 */
export function parseStackConfig(
  raw: Readonly<Record<string, string>>,
  source: string | ConfigSource,
  secretKeys: ReadonlySet<string> = new Set(),
): AnyStackConfig {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(raw)) {
    const namespace = key.slice(0, key.indexOf(":"));
    if (namespace !== NAMESPACE && key.includes(":") && distance(namespace, NAMESPACE) <= 2) {
      // A typo of the namespace: the key would be ignored, and its default would apply without a word.
      const meant = `${NAMESPACE}:${key.slice(namespace.length + 1)}`;
      issues.push({
        key,
        expected: `a key of ${NAMESPACE}: (did you mean ${meant}?)`,
        found: describe(text),
        // A plain value moves as it is; an object is set again leaf by leaf (the CLI's --path).
        fix: OBJECT_KEYS.has(meant.slice(NAMESPACE.length + 1))
          ? removalFix(key, { path: false, instead: meant })
          : [`pulumi config rm '${key}'`, `pulumi config set '${meant}' ${shellQuote(text)}`],
      });
      continue;
    }
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    const name = key.slice(NAMESPACE.length + 1);
    if (name.includes(".")) {
      // `pulumi config set robotoff:app.tag v1` without --path stores a top-level key named "app.tag".
      issues.push({
        key,
        expected: "a nested key, set with --path (without it the CLI stores a top-level key with a dot in its name)",
        found: describe(text),
        fix: removalFix(key, { path: false, instead: key }),
      });
      continue;
    }
    if (!OBJECT_KEYS.has(name) && !OBJECT_KEYS_2026.has(name)) {
      input[name] = text;
      continue;
    }
    try {
      input[name] = JSON.parse(text);
    } catch {
      // Plain text where an object goes: the schema says what it must be, and how to set it leaf by leaf.
      input[name] = text;
    }
  }
  const where = typeof source === "string" ? { stack: source } : source;
  const generation = input.generation ?? "2022-09";
  if (!(GENERATIONS as readonly unknown[]).includes(generation)) {
    issues.push({ key: fullKey(["generation"]), expected: `one of ${GENERATIONS.map((g) => JSON.stringify(g)).join(", ")}`, found: describe(generation) });
    throw new ConfigError(where, issues);
  }
  const gen = generation as Generation;
  const result = SCHEMAS[gen].safeParse(input);
  issues.push(...secretIssues(raw, input.environment, secretKeys, gen));
  if (!result.success) issues.push(...schemaIssues(input, result.error, gen));
  else issues.push(...(gen === "2026-06" ? rules2026(result.data as Config2026, input) : crossKeyIssues(result.data as StackConfig, input)));
  if (issues.length > 0) throw new ConfigError(where, issues);
  return result.data as AnyStackConfig;
}

/**
 * Loads a stack's config the way the Pulumi CLI does, without the CLI: project config from
 * Pulumi.yaml, then Pulumi.<stack>.yaml (or another file of that format). A `secure:` value
 * cannot be decrypted offline: it becomes securePlaceholder(key), marked secret.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";

/** What a `secure:` value of `key` reads as offline. */
export const securePlaceholder = (key: string) => `<secure ${key}>`;

export interface RuntimeConfig {
  readonly project: string;
  readonly stack: string;
  /** Full key -> value as the runtime passes it (objects as JSON). */
  readonly config: Record<string, string>;
  /** Full keys whose value is, or contains, a secret. */
  readonly secretKeys: string[];
}

function readYaml(path: string): any {
  try {
    return (load(readFileSync(path, "utf8")) as any) ?? {};
  } catch (err: any) {
    throw new Error(err.code === "ENOENT" ? `no such file: ${path}` : `${path}: ${err.message}`);
  }
}

const isSecure = (v: unknown): v is { secure: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as any).secure === "string";

/** Replaces nested `{secure: ...}` values by the placeholder; reports whether it met one. */
function decryptOffline(key: string, value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: securePlaceholder(key), secret: true };
  if (Array.isArray(value)) {
    const items = value.map((v, i) => decryptOffline(`${key}[${i}]`, v));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, decryptOffline(`${key}.${k}`, v)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
  }
  return { value, secret: false };
}

const fullKey = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

export function loadRuntimeConfig(projectDir: string, stack: string, configFile?: string): RuntimeConfig {
  const projectFile = readYaml(join(projectDir, "Pulumi.yaml"));
  const project = String(projectFile.name ?? "");
  if (!project) throw new Error(`${join(projectDir, "Pulumi.yaml")}: no project name`);
  const raw: Record<string, unknown> = {};
  // Project-level config: `key: value`, or `key: {default|value: ...}` (a bare `{type: ...}` sets nothing).
  for (const [key, decl] of Object.entries(projectFile.config ?? {})) {
    const isDecl = typeof decl === "object" && decl !== null && !Array.isArray(decl) && !isSecure(decl);
    const value = isDecl ? ((decl as any).value ?? (decl as any).default) : decl;
    if (value !== undefined) raw[fullKey(project, key)] = value;
  }
  const stackFile = readYaml(configFile ?? join(projectDir, `Pulumi.${stack}.yaml`));
  for (const [key, value] of Object.entries(stackFile.config ?? {})) raw[fullKey(project, key)] = value;

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const resolved = decryptOffline(key, value);
    if (resolved.secret) secretKeys.push(key);
    config[key] = typeof resolved.value === "string" ? resolved.value : JSON.stringify(resolved.value);
  }
  return { project, stack, config, secretKeys };
}

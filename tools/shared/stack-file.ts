/**
 * Loads a stack's config the way the Pulumi CLI does, without the CLI: project config from
 * Pulumi.yaml, then Pulumi.<stack>.yaml (or another file of that format). A `secure:` value
 * cannot be decrypted offline: it becomes securePlaceholder(key), marked secret.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { load } from "js-yaml";
import { planStack, type StackPlan } from "../../models/stack-plan";
import { ArgumentError, InputError } from "./errors";

/** The project folder: Pulumi.yaml, the stack files, index.ts. */
export const PROJECT_DIR = resolve(__dirname, "../..");

/** What a `secure:` value of `key` reads as offline. */
export const securePlaceholder = (key: string) => `<secure ${key}>`;

export interface RuntimeConfig {
  readonly project: string;
  readonly stack: string;
  /** The file `--config-file` named instead of Pulumi.<stack>.yaml. */
  readonly configFile?: string;
  /** Full key -> value as the runtime passes it (objects as JSON). */
  readonly config: Record<string, string>;
  /** Full keys whose value is, or contains, a secret. */
  readonly secretKeys: string[];
  /** Full key with path (`robotoff:nested.inner`) -> the `secure:` text the file holds. */
  readonly secureValues: Record<string, string>;
}

function readYaml(path: string, missing: () => Error): any {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err: any) {
    if (err.code === "ENOENT") throw missing();
    throw new InputError(err.code === "EISDIR" ? `${path} is a folder, not a stack file (Pulumi.<stack>.yaml)` : `${path}: ${err.message}`);
  }
  try {
    return (load(text) as any) ?? {};
  } catch (err: any) {
    // js-yaml's message names the line and column and quotes the lines around them.
    throw new InputError(`${path} is not valid YAML: ${err.message}`);
  }
}

const isSecure = (v: unknown): v is { secure: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as any).secure === "string";

/** Replaces nested `{secure: ...}` values by the placeholder; collects the `secure:` texts it met. */
function decryptOffline(key: string, value: unknown, secure: Record<string, string>): unknown {
  if (isSecure(value)) {
    secure[key] = value.secure;
    return securePlaceholder(key);
  }
  if (Array.isArray(value)) return value.map((v, i) => decryptOffline(`${key}[${i}]`, v, secure));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decryptOffline(`${key}.${k}`, v, secure)]));
  }
  return value;
}

const fullKey = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

/** The stacks a project folder has a Pulumi.<stack>.yaml for. */
const stacksIn = (projectDir: string) =>
  readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

export function loadRuntimeConfig(projectDir: string, stack: string, configFile?: string): RuntimeConfig {
  const projectPath = join(projectDir, "Pulumi.yaml");
  const projectFile = readYaml(projectPath, () => new InputError(`${projectPath}: no such file`));
  const project = String(projectFile.name ?? "");
  if (!project) throw new InputError(`${projectPath}: no project name`);
  const raw: Record<string, unknown> = {};
  // Project-level config: `key: value`, or `key: {default|value: ...}` (a bare `{type: ...}` sets nothing).
  for (const [key, decl] of Object.entries(projectFile.config ?? {})) {
    const isDecl = typeof decl === "object" && decl !== null && !Array.isArray(decl) && !isSecure(decl);
    const value = isDecl ? ((decl as any).value ?? (decl as any).default) : decl;
    if (value !== undefined) raw[fullKey(project, key)] = value;
  }
  const stackPath = configFile ?? join(projectDir, `Pulumi.${stack}.yaml`);
  const stackFile = readYaml(stackPath, () =>
    configFile
      ? new ArgumentError(`--config-file ${configFile}: no such file`)
      : new ArgumentError(`--stack ${stack}: no ${basename(stackPath)} here (stacks: ${stacksIn(projectDir).join(", ")})`),
  );
  const entries = stackFile.config ?? {};
  if (typeof entries !== "object" || Array.isArray(entries)) throw new InputError(`${stackPath}: config must be a mapping of keys to values`);
  for (const [key, value] of Object.entries(entries)) raw[fullKey(project, key)] = value;

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const secureValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const before = Object.keys(secureValues).length;
    const resolved = decryptOffline(key, value, secureValues);
    if (Object.keys(secureValues).length > before) secretKeys.push(key);
    config[key] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
  }
  return { project, stack, ...(configFile ? { configFile } : {}), config, secretKeys, secureValues };
}

/** A stack file's validated config and StackSpec, as the program computes them (models/stack-plan.ts). */
export function planStackFile(projectDir: string, stack: string, configFile?: string): { runtime: RuntimeConfig; plan: StackPlan } {
  const runtime = loadRuntimeConfig(projectDir, stack, configFile);
  const plan = planStack(runtime.config, { stack: runtime.stack, configFile: runtime.configFile }, new Set(runtime.secretKeys), (path) =>
    readFileSync(join(projectDir, path), "utf8"),
  );
  return { runtime, plan };
}

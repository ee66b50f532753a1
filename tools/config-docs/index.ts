/**
 * README's config-key table, generated: the keys and their defaults are read from the schema
 * (models/config.ts), the meanings are below. `npm run docs:config` rewrites the table; a test fails when
 * README differs from what this generates, or when a key of the schema has no meaning here (or a meaning
 * names no key).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ArgumentError, HelpRequested, helpWanted, runCommand } from "../shared/errors";
import { join } from "node:path";
import { StackConfigSchema } from "../../models/config";
import { SECRET_KEYS } from "../../models/secrets";
import { KEY_DOCS, type KeyDoc } from "./key-docs";
import { KEY_DOCS_2026 } from "./generation-2026";
import { Schema2026 } from "../../models/generations/2026-06/config";

export { KEY_DOCS, type KeyDoc } from "./key-docs";

export interface ConfigKey {
  readonly key: string;
  /** The schema's default as an operator writes it; undefined when the key has none. */
  readonly default: unknown;
  /** Set or not, the stack runs (no default is needed). */
  readonly optional: boolean;
}

/** Follows the wrappers (default, prefault, optional, nullable, pipes) to the schema a key is written as. */
function unwrap(schema: any): { schema: any; default: unknown; optional: boolean } {
  let byDefault: unknown;
  let optional = false;
  for (;;) {
    const def = schema._zod.def;
    if (def.type === "default") {
      byDefault ??= def.defaultValue;
      schema = def.innerType;
    } else if (def.type === "prefault" || def.type === "nullable") schema = def.innerType;
    else if (def.type === "optional") {
      optional = true;
      schema = def.innerType;
    } else if (def.type === "pipe") schema = def.in._zod.def.type === "transform" ? def.out : def.in;
    else return { schema, default: byDefault, optional };
  }
}

/** The schema's keys in order, each object that KEY_DOCS lists as one key (its fields' defaults as its default). */
export function configKeys(schema: unknown = StackConfigSchema, path: readonly string[] = [], docs: Readonly<Record<string, KeyDoc>> = KEY_DOCS): ConfigKey[] {
  const { schema: inner, default: byDefault, optional } = unwrap(schema);
  const shape = inner._zod.def.type === "object" ? (inner._zod.def.shape as Record<string, unknown>) : undefined;
  const key = path.join(".");
  if (shape && !(key in docs)) return Object.entries(shape).flatMap(([name, field]) => configKeys(field, [...path, name], docs));
  if (shape) {
    const fields = Object.fromEntries(Object.entries(shape).map(([name, field]) => [name, unwrap(field).default]));
    return [{ key, default: fields, optional: true }];
  }
  return [{ key, default: byDefault, optional }];
}

/** A value as the stack file would hold it, without JSON's quotes: `{interval: 30s, retries: 3}`. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

function defaultCell(key: ConfigKey): string {
  if ((SECRET_KEYS as readonly string[]).includes(key.key)) return "secret";
  if (key.default !== undefined) return `\`${formatValue(key.default)}\``;
  return key.optional ? "unset" : "required";
}

/** The table, one row per key; throws naming each key without a meaning (in `where`) and each meaning without a key. */
export function configTable(
  keys: readonly ConfigKey[] = configKeys(),
  docs: Readonly<Record<string, KeyDoc>> = KEY_DOCS,
  where = "tools/config-docs/key-docs.ts",
): string {
  const names = new Set(keys.map((k) => k.key));
  const undocumented = keys.filter((k) => !(k.key in docs)).map((k) => k.key);
  const stale = Object.keys(docs).filter((k) => !names.has(k));
  if (undocumented.length > 0 || stale.length > 0) {
    const problems = [
      ...(undocumented.length ? [`keys without a meaning in ${where}: ${undocumented.join(", ")}`] : []),
      ...(stale.length ? [`meanings of keys the schema does not have: ${stale.join(", ")}`] : []),
    ];
    throw new Error(problems.join("; "));
  }
  const rows = keys.map((k) => {
    const doc = docs[k.key];
    return `| \`${k.key}\` | ${doc.default ?? defaultCell(k)} | ${doc.meaning} |`;
  });
  return ["| key | default | meaning (compose / `.env` equivalent) |", "|---|---|---|", ...rows].join("\n");
}

export const TABLE_START = "<!-- config-keys: generated from models/config.ts and tools/config-docs/index.ts by `npm run docs:config` -->";

/** Generation 2026-06's table (docs/generation-2026-06.md), from its schema and KEY_DOCS_2026. */
export const configTable2026 = (): string => configTable(configKeys(Schema2026, [], KEY_DOCS_2026), KEY_DOCS_2026, "tools/config-docs/generation-2026.ts");
export const TABLE_END = "<!-- /config-keys -->";

/** README with its config table replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

export const USAGE =
  "usage: npm run docs:config\nRewrites the config key tables of README.md (generation 2022-09) and docs/generation-2026-06.md from the schemas (models/config.ts, models/generations/2026-06/config.ts) and the meanings in tools/config-docs/.";

/** Rewrites the table in `file`, and says whether that changed it. */
function rewrite(file: string, table: string): void {
  const before = readFileSync(file, "utf8");
  const after = withTable(before, table);
  if (after === before) {
    process.stdout.write(`${file}: the config key table is up to date\n`);
    return;
  }
  writeFileSync(file, after);
  process.stdout.write(`${file}: config key table rewritten (${table.split("\n").length - 2} keys)\n`);
}

/** `npm run docs:config`: rewrites both tables, and says for each whether that changed it. */
export async function main(
  argv: string[],
  readme = join(__dirname, "../..", "README.md"),
  generationDoc = join(__dirname, "../..", "docs", "generation-2026-06.md"),
): Promise<number> {
  if (helpWanted(argv)) throw new HelpRequested(USAGE);
  if (argv.length > 0) throw new ArgumentError(`docs:config takes no argument, found ${argv.join(" ")}\n${USAGE}`);
  rewrite(readme, configTable());
  rewrite(generationDoc, configTable2026());
  return 0;
}

if (require.main === module) runCommand(main);

/**
 * npm run --silent render -- --stack <name> [--format json|table] [--show-secrets] [--config-file <path>]
 * Prints what `pulumi up` would register for a stack, computed offline under the SDK's mocks.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { planStackFile } from "./stack-file";
import { PROJECT_DIR } from "./cli";
import { ArgumentError, InputError, runCommand } from "./cli-errors";
import { runOffline, Secret, type Rendered, type RecordedResource } from "./offline";
import { dependencyLevels } from "../models/order";
import { changesToJson, diffResources, formatChanges, type RenderedResource } from "./diff";

const USAGE =
  "usage: npm run --silent render -- --stack <name> [--format table|json|graph] [--show-secrets] [--config-file <path>]\n" +
  "       npm run --silent render -- --stack <name> --diff <config file | git ref> [--config-file <path>]";

/** Renders a stack as JSON in another process: with another config file, or as a git ref has it. */
function renderBaseline(stack: string, against: string): RenderedResource[] {
  const run = (projectDir: string, extra: string[]) =>
    execFileSync(
      process.execPath,
      [
        "--require",
        // Commits older than the cached loader used sucrase's own.
        existsSync(join(projectDir, "tools/register.js")) ? join(projectDir, "tools/register.js") : "sucrase/register/ts",
        join(projectDir, "tools/render.ts"),
        "--stack",
        stack,
        "--format",
        "json",
        "--show-secrets",
        ...extra,
      ],
      { cwd: projectDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  const baseline = (projectDir: string, extra: string[], what: string) => {
    try {
      return JSON.parse(run(projectDir, extra)).resources;
    } catch (err: any) {
      throw new InputError(`--diff ${against}: ${what} does not render: ${renderFailure(String(err.stderr ?? err.message))}`);
    }
  };
  if (existsSync(against)) return baseline(PROJECT_DIR, ["--config-file", resolve(against)], "that config file");
  let commit: string;
  try {
    commit = execFileSync("git", ["-C", PROJECT_DIR, "rev-parse", "--verify", "--quiet", `${against}^{commit}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    throw new ArgumentError(`--diff ${against}: neither a file nor a git ref`);
  }
  const dir = mkdtempSync(join(tmpdir(), "robotoff-diff-"));
  try {
    execFileSync("sh", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, PROJECT_DIR, commit, dir]);
    if (!existsSync(join(dir, "tools/render.ts"))) throw new InputError(`--diff ${against}: that commit has no offline render`);
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"), "dir");
    return baseline(dir, [], `commit ${commit.slice(0, 12)}, with this checkout's node_modules,`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a failed render said: all of a clean message, or the error line of a stack trace. */
export function renderFailure(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.some((l) => l.startsWith("at "))) return lines.join("\n") || "no output";
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find((l) => !l.startsWith("at ")) ?? lines[0];
}

/**
 * A value with its secrets hidden as "[secret]", or shown: wrapped as {"secret": value} for JSON,
 * bare for the table.
 */
export function revealed(value: unknown, showSecrets: boolean, wrap = true): unknown {
  if (value instanceof Secret) {
    if (!showSecrets) return "[secret]";
    const inner = revealed(value.value, true, wrap);
    return wrap ? { secret: inner } : inner;
  }
  if (Array.isArray(value)) return value.map((v) => revealed(v, showSecrets, wrap));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v, showSecrets, wrap)]));
  }
  return value;
}

export function toJson(rendered: Rendered, showSecrets: boolean): string {
  const { project, stack, resources, outputs } = rendered;
  return JSON.stringify(revealed({ project, stack, resources, outputs }, showSecrets), null, 2);
}

const shortType = (type: string) => type.replace(/^(\w+):[\w/]*?:?(\w+)$/, "$1:$2").replace(/:index\//, ":");

function facts(r: RecordedResource, showSecrets: boolean, provider?: string): string {
  const i = revealed(r.inputs, showSecrets, false) as Record<string, any>;
  const parts: string[] = [];
  if (r.type === "docker:index/container:Container") {
    parts.push(`image=${i.image}`, `mem=${i.memory}MB`);
    if (i.memorySwap) parts.push(`mem+swap=${i.memorySwap}MB`);
    if (i.shmSize) parts.push(`shm=${i.shmSize}MB`);
    for (const [dir, options] of Object.entries(i.tmpfs ?? {})) parts.push(`tmpfs=${dir}:${options}`);
    for (const p of i.ports ?? []) parts.push(`port=${p.ip ?? "0.0.0.0"}:${p.external}->${p.internal}/${p.protocol}`);
    for (const v of i.volumes ?? []) parts.push(`mount=${v.hostPath ?? v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
    parts.push(
      `restart=${i.restart}`,
      `networks=${(i.networksAdvanced ?? []).map((n: any) => `${n.name}(${(n.aliases ?? []).join(",")})`).join(",")}`,
      `stop=${i.stopSignal ?? "image default"}/${i.stopTimeout}s`,
    );
    if (i.readOnly) parts.push("read-only");
    if (i.entrypoints) parts.push(`entrypoint=${JSON.stringify(i.entrypoints)}`);
    if (i.command) parts.push(`command=${JSON.stringify(i.command)}`);
    for (const u of i.ulimits ?? []) parts.push(`ulimit=${u.name}:${u.soft}:${u.hard}`);
    for (const h of i.hosts ?? []) parts.push(`host=${h.host}:${h.ip}`);
    if (i.healthcheck) parts.push(`health=${i.healthcheck.tests.slice(1, 2).join("")}/${i.healthcheck.interval}`);
    if (i.wait) parts.push(`wait=${i.waitTimeout}s`);
    parts.push(`env=${Array.isArray(i.envs) ? i.envs.map(envEntry).join(" ") : i.envs}`);
  } else if (i.name !== undefined) {
    parts.push(`name=${i.name}`);
    if (i.build) parts.push(`build=${i.build.context}@${i.build.target}`);
  }
  if (r.id) parts.push(`read id=${r.id}`);
  if (provider) parts.push(`provider=${provider}`);
  const o = r.options;
  if (o.dependsOn.length) parts.push(`dependsOn=${o.dependsOn.map((d) => d.split("::")[1]).join(",")}`);
  for (const flag of ["protect", "retainOnDelete", "deleteBeforeReplace"] as const) if (o[flag]) parts.push(flag);
  if (o.replaceOnChanges.length) parts.push(`replaceOnChanges=${o.replaceOnChanges.join(",")}`);
  return parts.join("  ");
}

/**
 * `KEY=value` on one line: a value with spaces, quotes or newlines (a file's content) is quoted as JSON;
 * only the terminal's width cuts a line.
 */
export function envEntry(entry: string): string {
  const at = entry.indexOf("=");
  const value = entry.slice(at + 1);
  return `${entry.slice(0, at + 1)}${value === "" || /[\s"']/.test(value) ? JSON.stringify(value) : value}`;
}

/** One line per resource; with `width` (the terminal's), each line cut to fit, ending in "…". */
export function toTable(rendered: Rendered, showSecrets: boolean, width?: number): string {
  const rows = rendered.resources.map((r) => [shortType(r.type), r.name, facts(r, showSecrets, rendered.providers.get(`${r.type}::${r.name}`))]);
  const widths = [0, 1].map((c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`.trimEnd());
  const outputs = Object.entries(revealed(rendered.outputs, showSecrets, false) as object).map(([k, v]) => `output  ${k} = ${JSON.stringify(v)}`);
  const fit = (line: string) => (width && width > 1 && line.length > width ? `${line.slice(0, width - 1)}…` : line);
  return [`${rendered.project}/${rendered.stack}: ${rows.length} resources`, ...lines, ...outputs].map(fit).join("\n");
}

/** The custom resources by dependency level, one line per level. */
export function toGraph(rendered: Rendered): string {
  const nodes = rendered.resources
    .filter((r) => r.custom)
    .map((r) => {
      const key = `${r.type}::${r.name}`;
      return { key, dependsOn: rendered.dependencies.get(key) ?? [] };
    });
  const levels = dependencyLevels(nodes);
  const name = (key: string) => `${key.split("::")[1]} (${shortType(key.split("::")[0])})`;
  return [
    `${rendered.project}/${rendered.stack}: ${levels.length} levels, each can run in parallel once the one above is done`,
    ...levels.map((l, i) => `level ${i}: ${l.map(name).join(", ")}`),
  ].join("\n");
}

const FORMATS: Record<string, (r: Rendered, showSecrets: boolean) => string> = {
  table: (r, showSecrets) => toTable(r, showSecrets, process.stdout.isTTY ? process.stdout.columns : undefined),
  json: toJson,
  graph: (r) => toGraph(r),
};

export function renderArgs(argv: string[]) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        format: { type: "string", default: "table" },
        "show-secrets": { type: "boolean", default: false },
        "config-file": { type: "string" },
        diff: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${USAGE}`);
  }
  if (!values.stack) throw new ArgumentError(`--stack is required\n${USAGE}`);
  const format = values.format!;
  if (!(format in FORMATS)) throw new ArgumentError(`--format ${format}: expected one of ${Object.keys(FORMATS).join(", ")}\n${USAGE}`);
  if (values.diff !== undefined && format === "graph") throw new ArgumentError(`--diff prints a table or JSON, not --format graph\n${USAGE}`);
  return { ...values, stack: values.stack, format };
}

export async function main(argv: string[]): Promise<number> {
  const args = renderArgs(argv);
  // Validated here first, so that a config error names the file it was read from (the program knows only the stack).
  const { runtime: cfg } = planStackFile(PROJECT_DIR, args.stack, args["config-file"] && resolve(args["config-file"]));
  const rendered = await runOffline(cfg, join(PROJECT_DIR, "index.ts"), { analyze: args.format === "graph" });
  if (args.diff !== undefined) {
    const before = renderBaseline(args.stack, args.diff);
    const after = revealed(rendered.resources, true) as RenderedResource[];
    const changes = diffResources(before, after);
    process.stdout.write(`${args.format === "json" ? changesToJson(changes) : formatChanges(changes)}\n`);
    return 0;
  }
  process.stdout.write(`${FORMATS[args.format](rendered, args["show-secrets"]!)}\n`);
  return 0;
}

if (require.main === module) runCommand(main);

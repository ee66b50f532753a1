/**
 * npm run --silent render -- --stack <name> [--format json|table] [--show-secrets] [--config-file <path>]
 * Prints what `pulumi up` would register for a stack, computed offline under the SDK's mocks.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadRuntimeConfig } from "./stack-file";
import { runOffline, Secret, type Rendered, type RecordedResource } from "./offline";
import { dependencyLevels } from "./graph";
import { diffResources, formatChanges, type RenderedResource } from "./diff";

const PROJECT_DIR = resolve(__dirname, "..");
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
        join(projectDir, "tools/render.ts"), "--stack", stack, "--format", "json", "--show-secrets", ...extra],
      { cwd: projectDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  if (existsSync(against)) return JSON.parse(run(PROJECT_DIR, ["--config-file", resolve(against)])).resources;
  let commit: string;
  try {
    commit = execFileSync("git", ["-C", PROJECT_DIR, "rev-parse", "--verify", "--quiet", `${against}^{commit}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`--diff ${against}: neither a file nor a git ref`);
  }
  const dir = mkdtempSync(join(tmpdir(), "robotoff-diff-"));
  try {
    execFileSync("sh", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, PROJECT_DIR, commit, dir]);
    if (!existsSync(join(dir, "tools/render.ts"))) throw new Error(`--diff ${against}: that commit has no offline render`);
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"), "dir");
    return JSON.parse(run(dir, [])).resources;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    if (i.shmSize) parts.push(`shm=${i.shmSize}MB`);
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
    parts.push(`env=${Array.isArray(i.envs) ? i.envs.join(" ") : i.envs}`);
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

export function toTable(rendered: Rendered, showSecrets: boolean): string {
  const rows = rendered.resources.map((r) => [
    shortType(r.type),
    r.name,
    facts(r, showSecrets, rendered.providers.get(`${r.type}::${r.name}`)),
  ]);
  const widths = [0, 1].map((c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`.trimEnd());
  const outputs = Object.entries(revealed(rendered.outputs, showSecrets, false) as object).map(
    ([k, v]) => `output  ${k} = ${JSON.stringify(v)}`,
  );
  return [`${rendered.project}/${rendered.stack}: ${rows.length} resources`, ...lines, ...outputs].join("\n");
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
  table: toTable,
  json: toJson,
  graph: (r) => toGraph(r),
};

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
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
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (!args.stack || !(args.format! in FORMATS)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let rendered: Rendered;
  try {
    const cfg = loadRuntimeConfig(PROJECT_DIR, args.stack, args["config-file"] && resolve(args["config-file"]));
    rendered = await runOffline(cfg, join(PROJECT_DIR, "index.ts"), { analyze: args.format === "graph" });
  } catch (err: any) {
    const clean = pulumi.RunError.isInstance(err) || /^(no such file|.*Pulumi\.)/.test(err?.message ?? "");
    process.stderr.write(`${clean ? err.message : (err?.stack ?? String(err))}\n`);
    return 1;
  }
  if (args.diff !== undefined) {
    let before: RenderedResource[];
    try {
      before = renderBaseline(args.stack, args.diff);
    } catch (err: any) {
      process.stderr.write(`${err.stderr ? String(err.stderr).trim() : err.message}\n`);
      return 1;
    }
    const after = (revealed(rendered.resources, true) as RenderedResource[]);
    process.stdout.write(`${formatChanges(diffResources(before, after))}\n`);
    return 0;
  }
  const show = args["show-secrets"]!;
  process.stdout.write(`${FORMATS[args.format!](rendered, show)}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    // After a failed program the SDK still holds the rejection it reports to the engine: leave now,
    // so that it is not printed a second time as a crash. (stdout and stderr are synchronous here.)
    if (code !== 0) process.exit(code);
  });
}

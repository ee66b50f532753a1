/** `render --format table`: one line per resource with the facts an operator reviews, then the outputs. */
import type { RecordedResource, Rendered } from "./offline";
import { revealed } from "./json";

/** `docker:Container` for `docker:index/container:Container`. */
export const shortType = (type: string) => type.replace(/^(\w+):[\w/]*?:?(\w+)$/, "$1:$2").replace(/:index\//, ":");

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
    // A one-off task (services/containers/service.ts): create waits for its exit, dependents for its code 0.
    if (i.attach) parts.push("runs-once");
    parts.push(`env=${Array.isArray(i.envs) ? i.envs.map(envEntry).join(" ") : i.envs}`);
  } else if (i.name !== undefined) {
    parts.push(`name=${i.name}`);
    if (i.build) parts.push(`build=${i.build.context}@${i.build.target}`);
    // The builder the stack names (services/containers/deployment.ts): the Engine's own ImageBuild, not buildx's default.
    if (i.build?.useLegacyBuilder) parts.push("builder=ImageBuild");
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

/**
 * npm run --silent render -- --stack <name> [--format table|json|graph] [--show-secrets] [--config-file <path>] [--diff <config file or git ref>]
 * Prints what `pulumi up` would register for a stack, computed offline under the SDK's mocks.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { ArgumentError, HelpRequested, helpWanted, runCommand } from "../shared/errors";
import { callerPath } from "../shared/args";
import { planStackFile, PROJECT_DIR } from "../shared/stack-file";
import { baselineSource, renderBaseline } from "./baseline";
import { changesToJson, diffResources, formatChanges, type RenderedResource } from "./diff";
import { toGraph } from "./graph";
import { revealed, toJson } from "./json";
import type { Rendered } from "./offline";
import { toTable } from "./table";

const USAGE =
  "usage: npm run --silent render -- --stack <name> [--format table|json|graph] [--show-secrets] [--config-file <path>]\n" +
  "       npm run --silent render -- --stack <name> --diff <config file | git ref> [--config-file <path>]";

const FORMATS: Record<string, (r: Rendered, showSecrets: boolean) => string> = {
  table: (r, showSecrets) => toTable(r, showSecrets, process.stdout.isTTY ? process.stdout.columns : undefined),
  json: toJson,
  graph: (r) => toGraph(r),
};

export function renderArgs(argv: string[]) {
  if (helpWanted(argv))
    throw new HelpRequested(`${USAGE}\nThe stack's resources as pulumi up would register them, offline (the Pulumi SDK's mocks): no CLI, no Engine.`);
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
  const { runtime: cfg } = planStackFile(PROJECT_DIR, args.stack, args["config-file"] && callerPath(args["config-file"]));
  // A --diff that names nothing is a bad argument: said before anything renders.
  const baseline = args.diff === undefined ? undefined : baselineSource(args.diff);
  // The SDK only once the arguments and the config are known good: a bad one is said without loading it.
  const { runOffline } = await import("./offline");
  const rendered = await runOffline(cfg, join(PROJECT_DIR, "index.ts"), { analyze: args.format === "graph" });
  if (baseline) {
    const before = renderBaseline(args.stack, baseline);
    const after = revealed(rendered.resources, true) as RenderedResource[];
    const changes = diffResources(before, after);
    process.stdout.write(`${args.format === "json" ? changesToJson(changes) : formatChanges(changes)}\n`);
    return 0;
  }
  process.stdout.write(`${FORMATS[args.format](rendered, args["show-secrets"]!)}\n`);
  return 0;
}

if (require.main === module) runCommand(main);

/**
 * The mutants of the last mutation run (reports/mutation/mutation.json) that no test killed, one line each:
 * `npm run --silent mutation:survivors [-- --json report.json]`. The score is StrykerJS's: killed and timed out
 * over all valid mutants (survived and not covered count against it; ignored ones are not counted).
 */
import { readFileSync } from "node:fs";
import { ArgumentError, HelpRequested, helpWanted, InputError, runCommand } from "../tools/shared/errors";
import { parseArgs } from "node:util";

interface Position {
  line: number;
  column: number;
}
interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: Position; end: Position };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const DETECTED = new Set(["Killed", "Timeout"]);
const VALID = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);

/** The text a mutant replaced, on one line. */
function original(source: string, { start, end }: Mutant["location"]): string {
  const lines = source.split("\n");
  const text =
    start.line === end.line
      ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
      : [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join("\n");
  return text.replace(/\s+/g, " ").trim();
}

const clip = (text: string) => (text.length > 70 ? `${text.slice(0, 67)}...` : text);

export function summarize(report: Report): string[] {
  const all = Object.values(report.files).flatMap((f) => f.mutants);
  const valid = all.filter((m) => VALID.has(m.status));
  const detected = valid.filter((m) => DETECTED.has(m.status)).length;
  const out = [`score ${((100 * detected) / valid.length).toFixed(2)} %: ${detected} of ${valid.length} mutants detected (${all.length} in all)`];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const left = mutants.filter((m) => VALID.has(m.status) && !DETECTED.has(m.status));
    if (left.length === 0) continue;
    out.push("", `${file}: ${left.length}`);
    for (const m of left.sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)) {
      const where = `${m.location.start.line}:${m.location.start.column}`;
      out.push(`  ${where} ${m.status} ${m.mutatorName}: ${clip(original(source, m.location))} -> ${clip((m.replacement ?? "").replace(/\s+/g, " "))}`);
    }
  }
  return out;
}

export const USAGE =
  "usage: npm run --silent mutation:survivors [-- --json <report>]\nThe mutation score and each mutant no test killed, from StrykerJS's JSON report (default reports/mutation/mutation.json, written by npm run mutation).";

/** `npm run mutation:survivors`: a missing or unreadable report is said in one line, never a trace. */
export async function main(argv: string[]): Promise<number> {
  if (helpWanted(argv)) throw new HelpRequested(USAGE);
  let json: string;
  try {
    json = String(parseArgs({ args: argv, options: { json: { type: "string", default: "reports/mutation/mutation.json" } } }).values.json);
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${USAGE}`);
  }
  let report: Report;
  try {
    report = JSON.parse(readFileSync(json, "utf8")) as Report;
  } catch (err: any) {
    const why =
      err.code === "ENOENT" ? "no such file: run npm run mutation first, it writes it" : err.code === "EISDIR" ? "a folder, not a report" : err.message;
    throw new InputError(`${json}: ${why}`);
  }
  if (typeof report?.files !== "object" || report.files === null) throw new InputError(`${json}: not a StrykerJS JSON report (no files)`);
  process.stdout.write(`${summarize(report).join("\n")}\n`);
  return 0;
}

if (require.main === module) runCommand(main);

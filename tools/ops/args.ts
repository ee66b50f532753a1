/** `ops`' arguments: the verb, its operands and options, checked before any Engine is asked. */
import { parseArgs } from "node:util";
import { ArgumentError, HelpRequested, helpWanted } from "../shared/errors";

const USAGE = `usage: npm run ops -- --stack <name> [--config-file <path>] <verb> [service...]
  ps [service...]
  logs [-f] [--tail N] [--since T] [service...]
  stop | start | restart [service...]
  exec <service> -- <command...>
  backup [--if-replaced <pulumi preview --json output>]
  restore [--yes] <file>`;
const VERBS = ["ps", "logs", "stop", "start", "restart", "exec", "backup", "restore"] as const;
type Verb = (typeof VERBS)[number];

export interface OpsArgs {
  readonly stack: string;
  readonly configFile?: string;
  readonly verb: Verb;
  readonly operands: string[];
  /** What follows `--` (exec's command). */
  readonly command: string[];
  readonly follow: boolean;
  readonly tail?: string;
  readonly since?: string;
  readonly yes: boolean;
  /** backup: a `pulumi preview --json` output; dump only when it replaces or deletes postgres. */
  readonly ifReplaced?: string;
}

/** Options each verb accepts, beyond --stack and --config-file. */
const VERB_OPTIONS: Record<Verb, readonly string[]> = {
  ps: [],
  logs: ["follow", "tail", "since"],
  stop: [],
  start: [],
  restart: [],
  exec: [],
  backup: ["if-replaced"],
  restore: ["yes"],
};

/** `ops --help`: every verb; `ops <verb> --help`: that verb's line. */
function opsHelp(argv: readonly string[]): string {
  const verb = argv.find((a) => (VERBS as readonly string[]).includes(a));
  if (!verb) return USAGE;
  const line = USAGE.split("\n").find((l, i) => i > 0 && l.trim().split(/[ |]+/).includes(verb))!;
  return `usage: npm run ops -- --stack <name> [--config-file <path>] ${line.trim()}`;
}

export function parseOpsArgs(argv: string[]): OpsArgs {
  if (helpWanted(argv)) throw new HelpRequested(opsHelp(argv));
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        follow: { type: "boolean", short: "f" },
        tail: { type: "string" },
        since: { type: "string" },
        yes: { type: "boolean", short: "y" },
        "if-replaced": { type: "string" },
      },
    });
  } catch (err: any) {
    throw new ArgumentError(`${err.message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (!values.stack) throw new ArgumentError(`--stack is required\n${USAGE}`);
  const [verb, ...operands] = positionals;
  if (!verb) throw new ArgumentError(`a verb is required\n${USAGE}`);
  if (!(VERBS as readonly string[]).includes(verb)) throw new ArgumentError(`unknown verb ${verb} (verbs: ${VERBS.join(", ")})\n${USAGE}`);
  const v = verb as Verb;
  for (const option of ["follow", "tail", "since", "yes", "if-replaced"] as const) {
    if (values[option] !== undefined && !VERB_OPTIONS[v].includes(option)) throw new ArgumentError(`--${option} does not apply to ${v}\n${USAGE}`);
  }
  if (values.tail !== undefined && !/^([0-9]+|all)$/.test(values.tail)) throw new ArgumentError(`--tail ${values.tail}: expected a number of lines or "all"`);
  if (command.length > 0 && v !== "exec") throw new ArgumentError(`${v} takes no command after --\n${USAGE}`);
  if (v === "exec" && (operands.length !== 1 || command.length === 0))
    throw new ArgumentError(`exec needs one service and a command: exec <service> -- <command...>`);
  if (v === "backup" && operands.length > 0) throw new ArgumentError(`backup takes no operand\n${USAGE}`);
  if (v === "restore" && operands.length !== 1) throw new ArgumentError(`restore needs one dump file: restore [--yes] <file>`);
  return {
    stack: values.stack,
    configFile: values["config-file"],
    verb: v,
    operands,
    command,
    follow: values.follow ?? false,
    tail: values.tail,
    since: values.since,
    yes: values.yes ?? false,
    ifReplaced: values["if-replaced"],
  };
}

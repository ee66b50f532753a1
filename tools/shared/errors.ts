/**
 * How the operator commands end: one clear message, never a stack trace for a user's mistake.
 * Exit 1 for bad input (a stack file, its config), 2 for bad arguments or an Engine that does not answer; a trace only for a bug.
 */
import { ConfigError } from "../../models/config-error";

/** A file or value the user gave is wrong: exit 1. */
export class InputError extends Error {
  override name = "InputError";
}

/** The command line is wrong (unknown option, missing stack, no such file named by an option): exit 2. */
export class ArgumentError extends Error {
  override name = "ArgumentError";
}

/** `--help` or `-h`: the command's usage, on stdout, exit 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/** `--help` or `-h` among a command's own arguments (before a `--`, after which they are another command's). */
export function helpWanted(argv: readonly string[]): boolean {
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  return own.includes("--help") || own.includes("-h");
}

/** A Docker Engine the command needs does not answer: exit 2, one line. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
}

/** The exit status and message for what a command threw; a bug keeps its stack trace. */
export function failure(err: unknown): { code: number; message: string } {
  if (err instanceof HelpRequested) return { code: 0, message: err.message };
  if (err instanceof ArgumentError || err instanceof UnreachableError) return { code: 2, message: err.message };
  // The SDK's RunError (a program's clean exit) arrives as an InputError: tools/render/offline.ts converts it, so that
  // commands that never run the program do not load the SDK (a second of every ops, doctor or livecheck).
  if (err instanceof InputError || err instanceof ConfigError) {
    return { code: 1, message: (err as Error).message };
  }
  return { code: 1, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

/** Runs a command's main as `node tools/<command>/index.ts` does, and exits with its status. */
export function runCommand(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      if (code !== 0) process.exit(code);
    },
    (err) => {
      const { code, message } = failure(err);
      (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
      // Leave at once: nothing the failed command left pending may print after its message.
      process.exit(code);
    },
  );
}

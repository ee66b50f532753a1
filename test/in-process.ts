/**
 * An operator command's main() run in this worker, as `node tools/<command>/index.ts` runs it (tools/shared/errors.ts
 * runCommand): its exit status, and what it wrote to stdout and stderr, trimmed like tools/shared/command.ts run().
 * Only what a process alone shows (an attached terminal, stdin, the exit itself) needs a child process.
 */
import { failure } from "../tools/shared/errors";
import type { CommandResult } from "../tools/shared/command";

export async function runMain(main: (argv: string[]) => Promise<number>, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const out = { stdout: "", stderr: "" };
  const capture = (stream: "stdout" | "stderr") => {
    const write = process[stream].write;
    process[stream].write = ((chunk: string | Uint8Array) => {
      out[stream] += String(chunk);
      return true;
    }) as typeof write;
    return () => (process[stream].write = write);
  };
  Object.assign(process.env, env);
  const restore = [capture("stdout"), capture("stderr")];
  let code: number;
  try {
    code = await main(argv);
  } catch (err) {
    const f = failure(err);
    code = f.code;
    out[f.code === 0 ? "stdout" : "stderr"] += `${f.message}\n`;
  } finally {
    restore.forEach((r) => r());
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout: out.stdout.trim(), stderr: out.stderr.trim() };
}

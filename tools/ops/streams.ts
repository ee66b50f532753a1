/** The docker CLI run for the operator: attached to the terminal, or with each line prefixed (logs). */
import { spawn } from "node:child_process";
import { dockerCli } from "../shared/docker";
import type { OpsTarget } from "../targets/target";

/** The docker CLI with the terminal attached (exec, logs of one service): its exit status. */
export function attached(target: Pick<OpsTarget, "env">, url: string | undefined, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], { stdio: "inherit", env: { ...process.env, ...target.env(url) } });
    child.on("error", (err) => {
      process.stderr.write(`${dockerCli()}: ${err.message}\n`);
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

/** The docker CLI with each output line prefixed, as compose prefixes logs of several services. */
export function prefixed(target: Pick<OpsTarget, "env">, url: string | undefined, args: string[], prefix: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(dockerCli(), [...(url ? ["-H", url] : []), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...target.env(url) },
    });
    const relay = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
      let rest = "";
      from.setEncoding("utf8");
      from.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const l of lines) to.write(`${prefix}${l}\n`);
      });
      from.on("end", () => rest && to.write(`${prefix}${rest}\n`));
    };
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on("error", (err) => {
      process.stderr.write(`${prefix}${dockerCli()}: ${err.message}\n`);
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

/**
 * npm run livecheck -- --stack <name> [--config-file <path>]
 * Upstream's `make livecheck` and `make health`: every container the stack declares runs (healthy where
 * it has a healthcheck) on the Docker host, then the api's health URL answers. Talks to the Engine through
 * the docker CLI (`$ROBOTOFF_DOCKER_CLI`, default `docker`; DOCKER_HOST and contexts apply).
 * Exit 0: all up; 1: something is down; 2: no Docker Engine, or bad arguments.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadRuntimeConfig } from "./stack-config";
import { runOffline } from "./offline";
import { assess, formatVerdict, type DeclaredContainer, type InspectedContainer, type Verdict } from "./health";

const PROJECT_DIR = resolve(__dirname, "..");
const DOCKER = process.env.ROBOTOFF_DOCKER_CLI || "docker";

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(DOCKER, args, { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
      done({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : "") });
    });
  });
}

async function healthUrl(url: string): Promise<Verdict> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { service: "api health", up: res.ok, detail: `${url} answered ${res.status}` };
  } catch (err: any) {
    return { service: "api health", up: false, detail: `${url}: ${err.cause?.code ?? err.message}` };
  }
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { stack: { type: "string" }, "config-file": { type: "string" } } }).values;
  } catch (err: any) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (!args.stack) {
    process.stderr.write("usage: npm run livecheck -- --stack <name> [--config-file <path>]\n");
    return 2;
  }

  const engine = await docker(["version", "--format", "{{.Server.Version}}"]);
  if (engine.code !== 0) {
    const why = engine.stderr.trim().split("\n").filter(Boolean).pop() ?? `${DOCKER} exited ${engine.code}`;
    process.stdout.write(`Docker Engine not reachable: ${why}\n`);
    return 2;
  }

  const rendered = await runOffline(
    loadRuntimeConfig(PROJECT_DIR, args.stack, args["config-file"] && resolve(args["config-file"])),
    join(PROJECT_DIR, "index.ts"),
  );
  const declared: DeclaredContainer[] = rendered.resources
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => ({
      service: (r.inputs.networksAdvanced as any[])[0].aliases[0],
      name: r.inputs.name as string,
      hasHealthcheck: r.inputs.healthcheck !== undefined,
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
  // Exits 1 when a name is missing, yet prints the ones it found.
  const inspect = await docker(["inspect", "--type", "container", ...declared.map((d) => d.name)]);
  const inspected = JSON.parse(inspect.stdout.trim() || "[]") as InspectedContainer[];
  const verdicts = assess(declared, inspected);
  const url = rendered.outputs.apiUrl;
  if (typeof url === "string") verdicts.push(await healthUrl(url));
  for (const v of verdicts) process.stdout.write(`${formatVerdict(v)}\n`);
  return verdicts.every((v) => v.up) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

/**
 * npm run livecheck -- --stack <name> [--config-file <path>]
 * Upstream's `make livecheck` and `make health`: every container the stack declares runs (healthy where
 * it has a healthcheck) on the Docker host, then the api's health URL answers. Talks to the Engine through
 * the docker CLI (`$ROBOTOFF_DOCKER_CLI`, default `docker`; DOCKER_HOST and contexts apply).
 * Exit 0: all up; 1: something is down; 2: no Docker Engine, or bad arguments.
 */
import { docker, lastLine, placement, renderedStack, stackArgs } from "./cli";
import { assess, formatVerdict, type DeclaredContainer, type InspectedContainer, type Verdict } from "./livecheck-verdict";

const PROBE_IMAGE = "busybox:1.36";

/** Upstream's `make health` (curl 127.0.0.1:5500 on the host), from the api's Docker host. */
async function apiHealth(url: string | undefined, port: number): Promise<Verdict> {
  const target = `http://127.0.0.1:${port}/api/v1/health`;
  const probe = await docker(url, ["run", "--rm", "--network", "host", PROBE_IMAGE, "wget", "-q", "-O", "/dev/null", target], 60_000);
  return { service: "api health", up: probe.code === 0, detail: probe.code === 0 ? `${target} answered` : `${target}: ${lastLine(probe)}` };
}

interface Placed extends DeclaredContainer {
  /** The Engine it runs on; undefined for the default one. */
  readonly url?: string;
  readonly apiPort?: number;
}

async function main(argv: string[]): Promise<number> {
  const args = stackArgs(argv, "livecheck");
  if (typeof args === "number") return args;
  const rendered = await renderedStack(args.stack, args.configFile);
  const declared: Placed[] = rendered.resources
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => {
      const ports = (r.inputs.ports ?? []) as { external: number }[];
      return {
        service: (r.inputs.networksAdvanced as any[])[0].aliases[0],
        name: r.inputs.name as string,
        hasHealthcheck: r.inputs.healthcheck !== undefined,
        url: placement(rendered, r).url,
        apiPort: ports[0]?.external,
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service));

  const inspected: InspectedContainer[] = [];
  for (const url of new Set(declared.map((d) => d.url))) {
    const engine = await docker(url, ["version", "--format", "{{.Server.Version}}"], 60_000);
    if (engine.code !== 0) {
      process.stdout.write(`Docker Engine not reachable${url ? ` at ${url}` : ""}: ${lastLine(engine)}\n`);
      return 2;
    }
    // Exits 1 when a name is missing, yet prints the ones it found.
    const names = declared.filter((d) => d.url === url).map((d) => d.name);
    inspected.push(...(JSON.parse((await docker(url, ["inspect", "--type", "container", ...names], 60_000)).stdout || "[]") as InspectedContainer[]));
  }
  const verdicts = assess(declared, inspected);
  const api = declared.find((d) => d.service === "api");
  if (api?.apiPort !== undefined) verdicts.push(await apiHealth(api.url, api.apiPort));
  for (const v of verdicts) process.stdout.write(`${formatVerdict(v)}\n`);
  return verdicts.every((v) => v.up) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

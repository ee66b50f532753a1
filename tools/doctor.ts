/**
 * npm run doctor -- --stack <name> [--config-file <path>]
 * Checks, on each Docker host of a stack, what makes a first deploy fail, one line each with its fix:
 * the Pulumi CLI, each Engine, the host folders bind mounts need (Docker would create them root-owned and
 * empty), tf_models/models.config where tf_serving runs, vm.max_map_count where Elasticsearch runs, and
 * the memory limits against the host's memory. Exit 1 when something blocks the deploy.
 * Probes run through the docker CLI (`$ROBOTOFF_DOCKER_CLI`) with a throwaway busybox container.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadRuntimeConfig } from "./stack-config";
import { runOffline } from "./offline";
import { planChecks, type Finding, type HostPlan, type Probe } from "./diagnose";

const PROJECT_DIR = resolve(__dirname, "..");
const DOCKER = process.env.ROBOTOFF_DOCKER_CLI || "docker";
const PULUMI = process.env.ROBOTOFF_PULUMI_CLI || "pulumi";
const PROBE_IMAGE = "busybox:1.36";

function exec(file: string, args: string[]): Promise<Probe> {
  return new Promise((done) => {
    execFile(file, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : -1) : 0;
      done({ code, stdout: stdout.trim(), stderr: (stderr || (err && code === -1 ? err.message : "")).trim() });
    });
  });
}

const docker = (url: string | undefined, args: string[]) => exec(DOCKER, [...(url ? ["-H", url] : []), ...args]);

/** What each host runs, read from the stack as `pulumi up` would register it. */
async function hostPlans(stack: string, configFile?: string): Promise<HostPlan[]> {
  const r = await runOffline(loadRuntimeConfig(PROJECT_DIR, stack, configFile && resolve(configFile)), join(PROJECT_DIR, "index.ts"));
  const urls = new Map(r.resources.filter((x) => x.type === "pulumi:providers:docker").map((p) => [p.name, String(p.inputs.host)]));
  const plans = new Map<string, HostPlan>();
  for (const c of r.resources.filter((x) => x.type === "docker:index/container:Container")) {
    const provider = r.providers.get(`${c.type}::${c.name}`);
    const host = provider ? provider.replace(/^.*-host-/, "") : "local";
    const plan = plans.get(host) ?? { host, url: provider ? urls.get(provider) : undefined, binds: [], memoryMb: 0, services: [] };
    const service = (c.inputs.networksAdvanced as any[])[0].aliases[0] as string;
    for (const v of (c.inputs.volumes ?? []) as any[]) {
      if (v.hostPath) plan.binds.push({ service, hostPath: v.hostPath, containerPath: v.containerPath });
    }
    plan.memoryMb += Number(c.inputs.memory ?? 0);
    plan.services.push(service);
    plans.set(host, plan);
  }
  return [...plans.values()];
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
    process.stderr.write("usage: npm run doctor -- --stack <name> [--config-file <path>]\n");
    return 2;
  }
  const plans = await hostPlans(args.stack, args["config-file"]);
  const findings: Finding[] = await planChecks(plans, {
    pulumi: () => exec(PULUMI, ["version"]),
    engine: (url) => docker(url, ["version", "--format", "{{.Server.Version}}"]),
    memTotal: (url) => docker(url, ["info", "--format", "{{.MemTotal}}"]),
    inProbe: (url, mounts, command) =>
      docker(url, [
        "run", "--rm", "--network", "none",
        ...mounts.flatMap((m) => ["--mount", `type=bind,source=${m.hostPath},target=${m.target},readonly`]),
        PROBE_IMAGE, ...command,
      ]),
  });
  for (const f of findings) process.stdout.write(`${f.level.padEnd(4)} ${f.subject}: ${f.message}\n`);
  return findings.some((f) => f.level === "FAIL") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

/**
 * npm run doctor -- --stack <name> [--config-file <path>]
 * Checks, on each Docker host of a stack, what makes a first deploy fail, one line each with its fix:
 * the Pulumi CLI, each Engine, the host folders bind mounts need (Docker would create them root-owned and
 * empty), tf_models/models.config where tf_serving runs, vm.max_map_count where Elasticsearch runs, and
 * the memory limits against the host's memory. Exit 1 when something blocks the deploy.
 * Probes run through the docker CLI (`$ROBOTOFF_DOCKER_CLI`) with a throwaway busybox container.
 */
import { docker, renderedStack, run, stackArgs, placement } from "./cli";
import { planChecks, type Finding, type HostPlan } from "./doctor-checks";

const PULUMI = process.env.ROBOTOFF_PULUMI_CLI || "pulumi";
const PROBE_IMAGE = "busybox:1.36";

/** What each host runs, read from the stack as `pulumi up` would register it. */
async function hostPlans(stack: string, configFile?: string): Promise<HostPlan[]> {
  const r = await renderedStack(stack, configFile);
  const plans = new Map<string, HostPlan>();
  for (const c of r.resources.filter((x) => x.type === "docker:index/container:Container")) {
    const { host, url } = placement(r, c);
    const plan = plans.get(host) ?? { host, url, binds: [], memoryMb: 0, services: [] };
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
  const args = stackArgs(argv, "doctor");
  if (typeof args === "number") return args;
  const plans = await hostPlans(args.stack, args.configFile);
  const findings: Finding[] = await planChecks(plans, {
    pulumi: () => run(PULUMI, ["version"]),
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

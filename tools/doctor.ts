/**
 * npm run doctor -- --stack <name> [--config-file <path>]
 * Checks, on each Docker host of a stack, what makes a first deploy fail, one line each with its fix
 * (tools/doctor-checks.ts). Exit 1 when something blocks the deploy, 2 on bad arguments.
 * Probes run through the docker CLI (`$ROBOTOFF_DOCKER_CLI`), in a throwaway container of an image the
 * stack runs on that host.
 */
import { existsSync } from "node:fs";
import { hasDockerfile } from "../services/build-inputs";
import { dockerOn, PROJECT_DIR, run, stackArgs } from "./cli";
import { runCommand } from "./cli-errors";
import { checkoutCheck, engineFinding, hostPlans, placeholderFindings, planChecks, withoutBindsUnder } from "./doctor-checks";
import { planStackFile } from "./stack-file";
import { labelFormat, standInFindings } from "./doctor-stand-ins";
import { labelFindings, swarmFindings } from "./doctor-swarm";
import type { Finding } from "./doctor-checks";
import type { StackPlan } from "../models/stack-plan";

const pulumiCli = () => process.env.ROBOTOFF_PULUMI_CLI || "pulumi";

export async function main(argv: string[]): Promise<number> {
  const args = stackArgs(argv, "doctor", ["preflight"]);
  const { runtime, plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile);
  const docker = dockerOn(plan.spec.hosts);
  if (args.flags.has("preflight")) return report(await preflight(plan, docker));
  const checkout = checkoutCheck(runtime, plan, (context) => (!existsSync(context) ? "missing" : hasDockerfile(context) ? "ready" : "no Dockerfile"));
  const findings =
    plan.config.target === "swarm"
      ? [...placeholderFindings(runtime, plan), ...(await swarmFindings(plan, swarmProbes(docker)))]
      : [
          ...placeholderFindings(runtime, plan),
          ...checkout.findings,
          ...(await planChecks(
            withoutBindsUnder(hostPlans(plan), checkout.notCheckouts),
            {
              pulumi: () => run(pulumiCli(), ["version"]),
              engine: (url) => engineVersion(docker, url),
              memTotal: (url) => docker(url, ["info", "--format", "{{.MemTotal}}"]),
              volume: (url, name) => docker(url, ["volume", "inspect", name]),
              network: (url, name) => docker(url, ["network", "inspect", name]),
              containerPorts: (url) => docker(url, ["ps", "--format", "{{.Names}}\t{{.Ports}}"]),
              inProbe: (url, image, command, { mounts = [], ulimits = [] } = {}) =>
                docker(url, [
                  "run",
                  "--rm",
                  "--network",
                  "none",
                  ...mounts.flatMap((m) => ["--mount", `type=bind,source=${m.hostPath},target=${m.target},readonly`]),
                  ...ulimits.flatMap((u) => ["--ulimit", `${u.name}=${u.soft}:${u.hard}`]),
                  "--entrypoint",
                  command[0],
                  image,
                  ...command.slice(1),
                ]),
            },
            process.env,
          )),
          ...(await standInFindings(plan.spec, (url, reference) => docker(url, ["image", "inspect", "--format", labelFormat, reference]))),
        ];
  return report(findings);
}

function report(findings: readonly Finding[]): number {
  for (const f of findings) process.stdout.write(`${f.level.padEnd(4)} ${f.subject}: ${f.message}\n`);
  return findings.some((f) => f.level === "FAIL") ? 1 : 0;
}

/**
 * --preflight, before a deploy touches anything: every Docker host of the stack answers (the url, the ssh key,
 * the host key, dockerd), and on Swarm exactly one node carries each pinned service's label. Nothing runs on
 * a host (no probe container, no one-off service).
 */
async function preflight(plan: StackPlan, docker: ReturnType<typeof dockerOn>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { name, url } of plan.spec.hosts) findings.push(engineFinding(name, url, await engineVersion(docker, url)));
  if (plan.config.target === "swarm" && findings.every((f) => f.level === "OK")) findings.push(...(await labelFindings(plan, swarmProbes(docker))));
  return findings;
}

/** The probe that tells whether a host's Engine answers. */
const engineVersion = (docker: ReturnType<typeof dockerOn>, url: string | undefined) => docker(url, ["version", "--format", "{{.Server.Version}}"]);

/** Swarm probes through the manager the docker CLI talks to. */
const swarmProbes = (docker: ReturnType<typeof dockerOn>) => ({
  nodesWithLabel: (label: string) => docker(undefined, ["node", "ls", "--filter", `node.label=${label}`, "--format", "{{.Hostname}}"]),
  async onLabelledNode(label: string, image: string, script: string) {
    const name = `robotoff-doctor-${process.pid}`;
    const constraint = `node.labels.${label.replace("=", "==")}`;
    const created = await docker(undefined, [
      "service",
      "create",
      "--quiet",
      "--detach",
      "--name",
      name,
      "--restart-condition",
      "none",
      "--constraint",
      constraint,
      "--entrypoint",
      "sh",
      image,
      "-c",
      script,
    ]);
    if (created.code !== 0) return created;
    try {
      for (let i = 0; i < 60; i++) {
        const state = await docker(undefined, ["service", "ps", name, "--format", "{{.CurrentState}}"]);
        if (/^(Complete|Failed|Rejected)/.test(state.stdout)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return await docker(undefined, ["service", "logs", "--raw", name]);
    } finally {
      await docker(undefined, ["service", "rm", name]);
    }
  },
});

if (require.main === module) runCommand(main);

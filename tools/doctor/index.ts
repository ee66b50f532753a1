/**
 * npm run doctor -- --stack <name> [--config-file <path>] [--preflight]
 * Checks, on each Docker host of a stack, what makes a first deploy fail, one line each with its fix
 * (tools/doctor/checks.ts). Exit 1 when something blocks the deploy, 2 on bad arguments.
 * Probes run through the docker CLI (`$ROBOTOFF_DOCKER_CLI`), in a throwaway container of an image the
 * stack runs on that host (on Swarm, a one-off service on the labelled node).
 */
import type { TARGETS } from "../../models/config";
import type { StackPlan } from "../../models/stack-plan";
import { stackArgs } from "../shared/args";
import { dockerOn, engineVersion, type Docker } from "../shared/docker";
import { runCommand } from "../shared/errors";
import { planStackFile, PROJECT_DIR, type RuntimeConfig } from "../shared/stack-file";
import { engineFinding, placeholderFindings, type Finding } from "./checks";
import { containersFindings } from "./containers";
import { labelFindings, swarmFindings, swarmProbes } from "./swarm";

/** What doctor checks on each robotoff:target, beyond the stack file's placeholders. */
interface DoctorTarget {
  /** What blocks a first deploy there. */
  findings(runtime: RuntimeConfig, plan: StackPlan, docker: Docker): Promise<Finding[]>;
  /** --preflight, once every host answers: what can be checked without running anything. */
  preflight(plan: StackPlan, docker: Docker): Promise<Finding[]>;
}

const TARGET_CHECKS: Readonly<Record<(typeof TARGETS)[number], DoctorTarget>> = {
  containers: { findings: containersFindings, preflight: async () => [] },
  swarm: {
    // The manager first: with no Engine answering, that is the one thing to say (not "run doctor against a manager").
    findings: async (_, plan, docker) => {
      const unreachable = (await engineFindings(plan, docker)).filter((f) => f.level === "FAIL");
      return unreachable.length ? unreachable : swarmFindings(plan, swarmProbes(docker));
    },
    preflight: (plan, docker) => labelFindings(plan, swarmProbes(docker)),
  },
};

export async function main(argv: string[]): Promise<number> {
  const args = stackArgs(
    argv,
    "doctor",
    ["preflight"],
    "Checks each Docker host of the stack for what makes a first deploy fail, one line each with its fix.\n--preflight: only that every host answers, and each pinned service's node label. Exit 1 when something blocks the deploy, 2 on bad arguments.",
  );
  const { runtime, plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile);
  const docker = dockerOn(plan.spec.hosts);
  const target = TARGET_CHECKS[plan.config.target];
  if (args.flags.has("preflight")) return report(await preflight(plan, docker, target));
  return report([...placeholderFindings(runtime, plan), ...(await target.findings(runtime, plan, docker))]);
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
async function preflight(plan: StackPlan, docker: Docker, target: DoctorTarget): Promise<Finding[]> {
  const findings = await engineFindings(plan, docker);
  if (findings.every((f) => f.level === "OK")) findings.push(...(await target.preflight(plan, docker)));
  return findings;
}

/** Whether each Docker host of the stack answers, one finding per host, in the stack's order. */
async function engineFindings(plan: StackPlan, docker: Docker): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { name, url } of plan.spec.hosts) findings.push(engineFinding(name, url, await engineVersion(docker, url)));
  return findings;
}

if (require.main === module) runCommand(main);

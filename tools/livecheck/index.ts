/**
 * npm run livecheck -- --stack <name> [--config-file <path>]
 * Upstream's `make livecheck` and `make health`: every container the stack declares runs (healthy where
 * it has a healthcheck) on its Docker host, then the api's health URL answers at the address the stack
 * publishes it on. Talks to the Engines through the docker CLI (`$ROBOTOFF_DOCKER_CLI`, default `docker`;
 * DOCKER_HOST and contexts apply). Reports every host, also when another one does not answer.
 * Exit 0: all up; 1: something is down; 2: a Docker Engine does not answer, or bad arguments.
 */
import { API_PORT_KEY, apiHealthUrl } from "../../models/healthchecks";
import type { StackPlan } from "../../models/stack-plan";
import { stackArgs } from "../shared/args";
import { lastLine } from "../shared/command";
import { runCommand } from "../shared/errors";
import { planStackFile, PROJECT_DIR } from "../shared/stack-file";
import { targetOf } from "../targets";
import { declaredContainers, type ApiHealthCheck, type Verdict } from "../targets/target";
import { copiesAdvice, formatVerdict } from "./verdict";

/** Where the api answers on its host: the address it is published on (loopback for every interface). */
export function apiHealthTarget(plan: StackPlan): { url: string; image: string; service: string } | undefined {
  const api = plan.spec.services.find((s) => s.name === "api");
  const url = apiHealthUrl(plan.spec);
  // The service holding the port: the api, or the proxy in front of its copies (on the same host).
  const holder = plan.spec.services.find((s) => s.ports.some((p) => p.configKey === API_PORT_KEY));
  if (!api || !url || !holder) return undefined;
  return { url, image: plan.spec.images.find((i) => i.key === api.image)!.reference, service: holder.name };
}

/** Upstream's `make health`: the api's health URL, asked from the host it is published on, as a verdict line. */
function apiHealth(target: { url: string; image: string; service: string }): ApiHealthCheck {
  return {
    ...target,
    answered: (r): Verdict => ({ service: "api health", up: r.code === 0, detail: r.code === 0 ? `${target.url} answered` : `${target.url}: ${lastLine(r)}` }),
    notChecked: (why): Verdict => ({ service: "api health", up: false, detail: `${target.url}: not checked, ${why}` }),
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = stackArgs(
    argv,
    "livecheck",
    [],
    "Every container the stack declares runs, healthy where it has a healthcheck, then the api's health URL answers.\nExit 0: all up; 1: something is down; 2: a Docker Engine does not answer, or bad arguments.",
  );
  const { plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile);
  const target = targetOf(plan);
  const declared = declaredContainers(plan);
  const api = apiHealthTarget(plan);
  const { verdicts, unreachable } = await target.check(declared, api && apiHealth(api));
  for (const v of verdicts) process.stdout.write(`${formatVerdict(v)}\n`);
  // An Engine that does not answer says nothing of a release: no advice to roll one back.
  if (unreachable) return 2;
  for (const line of copiesAdvice(declared, verdicts, args.stack)) process.stdout.write(`${line}\n`);
  return verdicts.every((v) => v.up) ? 0 : 1;
}

if (require.main === module) runCommand(main);

/**
 * npm run livecheck -- --stack <name> [--config-file <path>]
 * Upstream's `make livecheck` and `make health`: every container the stack declares runs (healthy where
 * it has a healthcheck) on its Docker host, then the api's health URL answers at the address the stack
 * publishes it on. Talks to the Engines through the docker CLI (`$ROBOTOFF_DOCKER_CLI`, default `docker`;
 * DOCKER_HOST and contexts apply). Reports every host, also when another one does not answer.
 * Exit 0: all up; 1: something is down; 2: a Docker Engine does not answer, or bad arguments.
 */
import { API_PORT_KEY, apiHealthUrl } from "../models/healthchecks";
import { containersOf, runningReplicas } from "../models/spec";
import type { StackPlan } from "../models/stack-plan";
import { dockerOn, lastLine, PROJECT_DIR, stackArgs } from "./cli";
import { engineUnreachable } from "./engine-unreachable";
import { runCommand } from "./cli-errors";
import { assessSwarm, lastTaskError, listServices, updateStatuses } from "./ops-swarm";
import { assess, copiesAdvice, formatVerdict, type DeclaredContainer, type InspectedContainer, type Verdict } from "./livecheck-verdict";
import { planStackFile } from "./stack-file";

export interface PlacedContainer extends DeclaredContainer {
  /** The Docker host it runs on, and that Engine's url (none for the default one). */
  readonly host: string;
  readonly url?: string;
  /** A copy: how long it may take to turn healthy (its service's wait timeout). */
  readonly waitSeconds?: number;
  /** On Swarm: the service's configured replicas, and the tasks the stack runs (none while robotoff:stopped lists it). */
  readonly replicas?: number;
  readonly expectedTasks?: number;
}

/** The containers the stack declares, from its StackSpec, by service name. */
export function declaredContainers(plan: StackPlan): PlacedContainer[] {
  const urls = new Map(plan.spec.hosts.map((h) => [h.name, h.url]));
  return plan.spec.services
    .flatMap((s) =>
      containersOf(s).map((name, i) => ({
        service: s.name,
        name,
        ...(s.copies !== undefined ? { copy: i + 1, ...(s.waitTimeoutSeconds !== undefined ? { waitSeconds: s.waitTimeoutSeconds } : {}) } : {}),
        hasHealthcheck: s.healthcheck !== undefined,
        host: s.host,
        ...(urls.get(s.host) ? { url: urls.get(s.host) } : {}),
        ...(s.stopped ? { stopped: true } : {}),
        ...(s.scheduling ? { replicas: s.scheduling.replicas, expectedTasks: runningReplicas(s) } : {}),
      })),
    )
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** Where the api answers on its host: the address it is published on (loopback for every interface). */
export function apiHealthTarget(plan: StackPlan): { url: string; image: string; service: string } | undefined {
  const api = plan.spec.services.find((s) => s.name === "api");
  const url = apiHealthUrl(plan.spec);
  // The service holding the port: the api, or the proxy in front of its copies (on the same host).
  const holder = plan.spec.services.find((s) => s.ports.some((p) => p.configKey === API_PORT_KEY));
  if (!api || !url || !holder) return undefined;
  return { url, image: plan.spec.images.find((i) => i.key === api.image)!.reference, service: holder.name };
}

/** Upstream's `make health` (curl on the VM): from the api's host network, with the api's own image (python3). */
async function apiHealth(docker: typeof import("./cli").docker, engine: string | undefined, target: { url: string; image: string }): Promise<Verdict> {
  const fetch = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)";
  const probe = await docker(engine, ["run", "--rm", "--network", "host", "--entrypoint", "python3", target.image, "-c", fetch, target.url], 60_000);
  return { service: "api health", up: probe.code === 0, detail: probe.code === 0 ? `${target.url} answered` : `${target.url}: ${lastLine(probe)}` };
}

export async function main(argv: string[]): Promise<number> {
  const args = stackArgs(argv, "livecheck");
  const { plan } = planStackFile(PROJECT_DIR, args.stack, args.configFile);
  const docker = dockerOn(plan.spec.hosts);
  const declared = declaredContainers(plan);

  if (plan.config.target === "swarm") return swarmLivecheck(plan, declared, docker);

  const verdicts: Verdict[] = [];
  const inspected: InspectedContainer[] = [];
  let unreachable = false;
  for (const host of plan.spec.hosts) {
    const here = declared.filter((d) => d.host === host.name);
    const engine = await docker(host.url, ["version", "--format", "{{.Server.Version}}"], 60_000);
    if (engine.code !== 0) {
      unreachable = true;
      const why = engineUnreachable(host.name, host.url, engine);
      verdicts.push(...here.map((d) => ({ service: d.service, up: false, detail: why })));
      continue;
    }
    // Exits 1 when a name is missing, yet prints the ones it found.
    const answer = await docker(host.url, ["inspect", "--type", "container", ...here.map((d) => d.name)], 60_000);
    const found = JSON.parse(answer.stdout || "[]") as InspectedContainer[];
    inspected.push(...found);
    verdicts.push(...assess(here, found));
  }
  verdicts.sort((a, b) => a.service.localeCompare(b.service));

  const target = apiHealthTarget(plan);
  const holder = target && declared.find((d) => d.service === target.service);
  if (target && holder) {
    const running = verdicts.find((v) => v.service === holder.service);
    const container = inspected.find((c) => c.Name.replace(/^\//, "") === holder.name);
    verdicts.push(
      container?.State.Running
        ? await apiHealth(docker, holder.url, target)
        : { service: "api health", up: false, detail: `${target.url}: not checked, ${holder.name} is not running (${running?.detail ?? "unknown"})` },
    );
  }
  for (const v of verdicts) process.stdout.write(`${formatVerdict(v)}\n`);
  for (const line of copiesAdvice(declared, verdicts, args.stack)) process.stdout.write(`${line}\n`);
  if (unreachable) return 2;
  return verdicts.every((v) => v.up) ? 0 : 1;
}

/** Every service through the manager (the stack's one host), then the api's health URL from there. */
async function swarmLivecheck(plan: StackPlan, declared: readonly PlacedContainer[], docker: typeof import("./cli").docker): Promise<number> {
  const url = plan.spec.hosts[0]?.url;
  const engine = await docker(url, ["version", "--format", "{{.Server.Version}}"], 60_000);
  if (engine.code !== 0) {
    const why = engineUnreachable(plan.spec.hosts[0]?.name ?? "local", url, engine);
    for (const d of declared) process.stdout.write(`${formatVerdict({ service: d.service, up: false, detail: why })}\n`);
    return 2;
  }
  const rows = await listServices(docker, url);
  const updates = await updateStatuses(
    docker,
    url,
    declared.map((d) => d.name).filter((name) => rows.has(name)),
  );
  const whyDown = new Map<string, string>();
  for (const v of assessSwarm(declared, rows, new Map(), updates)) {
    const name = declared.find((d) => d.service === v.service)!.name;
    if (!v.up && rows.has(name)) {
      const error = await lastTaskError(docker, url, name);
      if (error) whyDown.set(name, error);
    }
  }
  const verdicts = assessSwarm(declared, rows, whyDown, updates);
  const target = apiHealthTarget(plan);
  const api = verdicts.find((v) => v.service === "api");
  if (target && api) {
    verdicts.push(api.up ? await apiHealth(docker, url, target) : { service: "api health", up: false, detail: `${target.url}: not checked, the api is down` });
  }
  for (const v of verdicts) process.stdout.write(`${formatVerdict(v)}\n`);
  return verdicts.every((v) => v.up) ? 0 : 1;
}

if (require.main === module) runCommand(main);

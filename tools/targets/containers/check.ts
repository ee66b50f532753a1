/**
 * livecheck on the containers target, as upstream's `make livecheck`: every declared container must be running,
 * and healthy where it has a healthcheck (from `docker inspect`, the Engine API's ContainerInspect objects), on
 * each of the stack's hosts, also when another one does not answer.
 */
import type { HostSpec } from "../../../models/spec";
import { engineVersion, type Docker } from "../../shared/docker";
import { engineUnreachable } from "../../shared/engine-unreachable";
import { askFromHost } from "../docker";
import { labelOf, type ApiHealthCheck, type DeclaredContainer, type PlacedContainer, type ServiceStates, type Verdict } from "../target";

/** The part of a ContainerInspect object the verdict reads. */
export interface InspectedContainer {
  readonly Name: string;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Restarting?: boolean;
    readonly OOMKilled?: boolean;
    readonly ExitCode?: number;
    readonly Health?: {
      readonly Status: "starting" | "healthy" | "unhealthy" | string;
      readonly FailingStreak?: number;
      readonly Log?: readonly { readonly ExitCode: number; readonly Output: string }[] | null;
    };
  };
  readonly HostConfig?: { readonly Memory?: number; readonly RestartPolicy?: { readonly Name?: string } };
}

const MB = 1024 * 1024;
/** What `pulumi up` does with a container it finds changed, with a refresh first (Pulumi.yaml options.refresh: always). */
const PUT_BACK = "the next pulumi up puts it back";

/**
 * What an operator changed by hand on a running container that the stack sets, and the provider (kreuzwerker
 * v4.5.0) reads back on a refresh and updates in place: its memory limit and restart policy.
 */
function drift(d: DeclaredContainer, c: InspectedContainer): string[] {
  const found: string[] = [];
  const memory = c.HostConfig?.Memory;
  if (d.memoryMb !== undefined && memory !== undefined && memory !== d.memoryMb * MB)
    found.push(`drift: memory limit ${Math.round(memory / MB)} MB, the stack sets ${d.memoryMb} MB; ${PUT_BACK}`);
  // The Engine reports no policy as "" or "no".
  const restart = c.HostConfig?.RestartPolicy ? c.HostConfig.RestartPolicy.Name || "no" : undefined;
  if (d.restart !== undefined && restart !== undefined && restart !== d.restart)
    found.push(`drift: restart policy ${restart}, the stack sets ${d.restart}; ${PUT_BACK}`);
  return found;
}

const lastOutput = (c: InspectedContainer) => {
  const log = c.State.Health?.Log ?? [];
  const output = log.length ? log[log.length - 1].Output.trim().split("\n").pop() : "";
  return output ? `: ${output.slice(0, 160)}` : "";
};

/** A one-off task's container: done when it exited 0; its create runs it, `ops start <task>` runs it again. */
function taskVerdict(service: string, s: InspectedContainer["State"]): Verdict {
  if (s.Running) return { service, up: false, detail: "a one-off task, still running" };
  if (s.Status === "created") return { service, up: false, detail: `a one-off task, created but never run; npm run ops -- start ${service} runs it` };
  if (s.ExitCode === 0) return { service, up: true, detail: "a one-off task, ran to completion: exit code 0" };
  const why = s.OOMKilled ? "killed: out of memory" : `exit code ${s.ExitCode}`;
  return { service, up: false, detail: `a one-off task that failed (${why}); its log: npm run ops -- logs ${service}` };
}

export function assess(declared: readonly DeclaredContainer[], inspected: readonly InspectedContainer[]): Verdict[] {
  const byName = new Map(inspected.map((c) => [c.Name.replace(/^\//, ""), c]));
  return declared.map((d) => {
    const { name, hasHealthcheck, stopped } = d;
    const service = labelOf(d);
    const c = byName.get(name);
    // Gone from the Engine: a refresh drops it from the state, and the up creates it again.
    if (!c) return { service, up: false, detail: `no container ${name}; the next pulumi up creates it` };
    const s = c.State;
    if (d.oneOff) return taskVerdict(service, s);
    if (stopped) return { service, up: !s.Running, detail: `stopped by robotoff:stopped${s.Running ? ", yet running" : ""}` };
    if (!s.Running || s.Status !== "running") {
      const why = s.OOMKilled ? ", killed: out of memory" : s.ExitCode ? `, exit code ${s.ExitCode}` : "";
      // Docker restarts a restarting one itself; a stopped one is read with mustRun false, which the up answers with a start.
      if (s.Restarting) return { service, up: false, detail: `restarting${why}` };
      return { service, up: false, detail: `${s.Status}${why}; the next pulumi up starts it` };
    }
    const drifted = drift(d, c);
    const health = hasHealthcheck ? (s.Health?.Status ?? "no healthcheck on the running container") : "healthy";
    const detail = [...(health === "healthy" ? [] : [`${health}${lastOutput(c)}`]), ...drifted].join("; ");
    return { service, up: health === "healthy", ...(detail ? { detail } : {}) };
  });
}

/** Every host's containers, then the api's URL from the host of the container that publishes it, once it runs. */
export async function checkContainers(
  hosts: readonly HostSpec[],
  run: Docker,
  declared: readonly PlacedContainer[],
  api?: ApiHealthCheck,
): Promise<ServiceStates> {
  const verdicts: Verdict[] = [];
  const inspected: InspectedContainer[] = [];
  let unreachable = false;
  for (const host of hosts) {
    const here = declared.filter((d) => d.host === host.name);
    const engine = await engineVersion(run, host.url, 60_000);
    if (engine.code !== 0) {
      unreachable = true;
      const why = engineUnreachable(host.name, host.url, engine);
      verdicts.push(...here.map((d) => ({ service: d.service, up: false, detail: why })));
      continue;
    }
    // Exits 1 when a name is missing, yet prints the ones it found.
    const answer = await run(host.url, ["inspect", "--type", "container", ...here.map((d) => d.name)], 60_000);
    const found = JSON.parse(answer.stdout || "[]") as InspectedContainer[];
    inspected.push(...found);
    verdicts.push(...assess(here, found));
  }
  verdicts.sort((a, b) => a.service.localeCompare(b.service));

  const holder = api && declared.find((d) => d.service === api.service);
  if (api && holder) {
    const running = verdicts.find((v) => v.service === holder.service);
    const container = inspected.find((c) => c.Name.replace(/^\//, "") === holder.name);
    verdicts.push(
      container?.State.Running ? await askFromHost(run, holder.url, api) : api.notChecked(`${holder.name} is not running (${running?.detail ?? "unknown"})`),
    );
  }
  return { verdicts, unreachable };
}

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
}

const lastOutput = (c: InspectedContainer) => {
  const log = c.State.Health?.Log ?? [];
  const output = log.length ? log[log.length - 1].Output.trim().split("\n").pop() : "";
  return output ? `: ${output.slice(0, 160)}` : "";
};

export function assess(declared: readonly DeclaredContainer[], inspected: readonly InspectedContainer[]): Verdict[] {
  const byName = new Map(inspected.map((c) => [c.Name.replace(/^\//, ""), c]));
  return declared.map((d) => {
    const { name, hasHealthcheck, stopped } = d;
    const service = labelOf(d);
    const c = byName.get(name);
    if (!c) return { service, up: false, detail: `no container ${name}` };
    const s = c.State;
    if (stopped) return { service, up: !s.Running, detail: `stopped by robotoff:stopped${s.Running ? ", yet running" : ""}` };
    if (!s.Running || s.Status !== "running") {
      const why = s.OOMKilled ? ", killed: out of memory" : s.ExitCode ? `, exit code ${s.ExitCode}` : "";
      return { service, up: false, detail: `${s.Restarting ? "restarting" : s.Status}${why}` };
    }
    if (!hasHealthcheck) return { service, up: true };
    const health = s.Health?.Status ?? "no healthcheck on the running container";
    if (health === "healthy") return { service, up: true };
    return { service, up: false, detail: `${health}${lastOutput(c)}` };
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

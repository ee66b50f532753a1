/**
 * The verdict of a livecheck from `docker inspect` output (the Engine API's ContainerInspect objects):
 * like upstream `make livecheck`, every declared container must be running, and healthy where it has
 * a healthcheck.
 */

export interface DeclaredContainer {
  /** Compose service name. */
  readonly service: string;
  /** Docker container name. */
  readonly name: string;
  /** Which copy of its service it is (1, 2…), for a service that runs copies. */
  readonly copy?: number;
  readonly hasHealthcheck: boolean;
  /** Kept stopped by robotoff:stopped: up while it does not run. */
  readonly stopped?: boolean;
}

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

export interface Verdict {
  readonly service: string;
  readonly up: boolean;
  readonly detail?: string;
}

const lastOutput = (c: InspectedContainer) => {
  const log = c.State.Health?.Log ?? [];
  const output = log.length ? log[log.length - 1].Output.trim().split("\n").pop() : "";
  return output ? `: ${output.slice(0, 160)}` : "";
};

/** The service's name, and the copy's number for a copy (`api-2`). */
export const labelOf = (d: Pick<DeclaredContainer, "service" | "copy">) => (d.copy === undefined ? d.service : `${d.service}-${d.copy}`);

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

export const formatVerdict = (v: Verdict) => `${v.service}: ${v.up ? "UP" : "DOWN"}${v.detail ? ` (${v.detail})` : ""}`;

/**
 * For a service that runs copies (the api, robotoff:app.api.release rolling), when some are down: which still
 * serve, and what to do. A release that fails leaves its first copy unhealthy and the others on the old release.
 */
export function copiesAdvice(declared: readonly DeclaredContainer[], verdicts: readonly Verdict[], stack: string): string[] {
  const byService = new Map<string, DeclaredContainer[]>();
  for (const d of declared) if (d.copy !== undefined && !d.stopped) byService.set(d.service, [...(byService.get(d.service) ?? []), d]);
  const advice: string[] = [];
  for (const [service, copies] of byService) {
    const isUp = (d: DeclaredContainer) => verdicts.find((v) => v.service === labelOf(d))?.up === true;
    const down = copies.filter((d) => !isUp(d)).map(labelOf);
    if (down.length === 0) continue;
    const up = copies.filter(isUp).map(labelOf);
    advice.push(
      `${service}: ${down.join(", ")} down; still serving: ${up.join(", ") || "none"}. After a release that failed: put the previous robotoff:app.tag back and run \`pulumi up\` again; why it failed: npm run ops -- --stack ${stack} logs ${service}`,
    );
  }
  return advice;
}

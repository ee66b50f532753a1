/**
 * What `pulumi up` would do to go from one render to another, by the provider's own rules: a change to
 * an input the provider cannot update in place (ForceNew in kreuzwerker/terraform-provider-docker v4.5.0, which
 * @pulumi/docker 5.2.0 bridges) or listed in replaceOnChanges replaces the resource; any other change updates it.
 */
import { isDeepStrictEqual } from "node:util";
import { parseDuration, shortDuration } from "../../models/duration";

/** Container inputs v4.5.0 updates in place (not ForceNew in resource_docker_container.go); every other one replaces. */
const UPDATABLE: Readonly<Record<string, ReadonlySet<string>>> = {
  "docker:index/container:Container": new Set([
    "rm",
    "start",
    "wait",
    "waitTimeout",
    "attach",
    "logs",
    "mustRun",
    "restart",
    "maxRetryCount",
    "removeVolumes",
    "tmpfs",
    "deviceReadBps",
    "deviceReadIops",
    "deviceWriteBps",
    "deviceWriteIops",
    "destroyGraceSeconds",
    "memory",
    "memoryReservation",
    "memorySwap",
    "cpuShares",
    "cpuSet",
    "healthcheck",
    "containerReadRefreshTimeoutMilliseconds",
    "init",
    "cpuPeriod",
    "cpuQuota",
  ]),
  "docker:index/remoteImage:RemoteImage": new Set(["keepLocally", "forceRemove"]),
};

export interface RenderedResource {
  type: string;
  name: string;
  id?: string;
  inputs: Record<string, unknown>;
  options: { replaceOnChanges: string[] };
}

export type Action = "create" | "delete" | "replace" | "update";

export interface Change {
  readonly action: Action;
  readonly type: string;
  readonly name: string;
  /** Inputs that differ (for a read resource, `id` when it reads another one). */
  readonly inputs: readonly string[];
  /** For an update or replace: each differing input's value before and after (absent: unset). */
  readonly values?: Readonly<Record<string, { readonly before: unknown; readonly after: unknown }>>;
}

const SERVICE = "docker:index/service:Service";

/**
 * A service's inputs whose change replaces it (ForceNew in kreuzwerker v4.5.0 resource_docker_service.go); the
 * provider updates any other change in place (resourceDockerServiceUpdate).
 */
function serviceReplaces(before: Record<string, any>, after: Record<string, any>): boolean {
  const at = (x: Record<string, any>, path: string) => path.split(".").reduce<any>((o, k) => o?.[k], x);
  return ["name", "mode", "auth", "taskSpec.containerSpec.hosts", "taskSpec.containerSpec.sysctl", "taskSpec.networksAdvanceds"].some(
    (path) => !isDeepStrictEqual(at(before, path), at(after, path)),
  );
}

/**
 * A Swarm service as the provider's state holds it once created (resourceDockerServiceCreate ends with a read),
 * which is what the next `pulumi up` diffs the program's inputs against: kreuzwerker v4.5.0 reads each network
 * back as `id`, Swarm keeping the network's id whatever it was given (flattenTaskNetworksAdvanced), and each
 * duration in shortDur's form ("2m", not "2m0s"). An input written otherwise changes on every deploy.
 */
function asTheStateHoldsIt(r: RenderedResource): RenderedResource {
  if (r.type !== SERVICE) return r;
  const short = (d: unknown) => {
    if (typeof d !== "string" || d === "") return d;
    try {
      return shortDuration(parseDuration(d));
    } catch {
      return d; // not whole seconds: left as written
    }
  };
  const durations = (o: any, keys: string[]) => o && { ...o, ...Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, short(o[k])])) };
  const inputs = r.inputs as Record<string, any>;
  const t = inputs.taskSpec ?? {};
  const c = t.containerSpec ?? {};
  return {
    ...r,
    inputs: {
      ...inputs,
      taskSpec: {
        ...t,
        containerSpec: {
          ...c,
          ...("stopGracePeriod" in c ? { stopGracePeriod: short(c.stopGracePeriod) } : {}),
          ...(c.healthcheck ? { healthcheck: durations(c.healthcheck, ["interval", "timeout", "startPeriod"]) } : {}),
        },
        ...(t.restartPolicy ? { restartPolicy: { delay: "0s", maxAttempts: 0, window: "0s", ...durations(t.restartPolicy, ["delay", "window"]) } } : {}),
        ...(t.networksAdvanceds
          ? { networksAdvanceds: t.networksAdvanceds.map(({ name, ...n }: any) => (name === undefined ? n : { id: `(the id of network ${name})`, ...n })) }
          : {}),
      },
      ...(inputs.updateConfig ? { updateConfig: durations(inputs.updateConfig, ["delay", "monitor"]) } : {}),
      ...(inputs.rollbackConfig ? { rollbackConfig: durations(inputs.rollbackConfig, ["delay", "monitor"]) } : {}),
    },
  };
}

export function diffResources(before: readonly RenderedResource[], after: readonly RenderedResource[]): Change[] {
  const key = (r: RenderedResource) => `${r.type}::${r.name}`;
  const old = new Map(before.map((r) => [key(r), asTheStateHoldsIt(r)]));
  const now = new Map(after.map((r) => [key(r), r]));
  const changes: Change[] = [];
  for (const r of after) {
    const prev = old.get(key(r));
    if (!prev) {
      changes.push({ action: "create", type: r.type, name: r.name, inputs: [] });
      continue;
    }
    const names = [...new Set([...Object.keys(prev.inputs), ...Object.keys(r.inputs)])].sort();
    const changed = names.filter((n) => !isDeepStrictEqual(prev.inputs[n], r.inputs[n]));
    if (prev.id !== r.id) changed.unshift("id");
    if (changed.length === 0) continue;
    const updatable = UPDATABLE[r.type] ?? new Set<string>();
    const replaces =
      changed.some((n) => n === "id" || r.options.replaceOnChanges.includes(n)) ||
      (r.type === SERVICE ? serviceReplaces(prev.inputs, r.inputs) : changed.some((n) => !updatable.has(n)));
    const values = Object.fromEntries(changed.map((n) => [n, n === "id" ? { before: prev.id, after: r.id } : { before: prev.inputs[n], after: r.inputs[n] }]));
    changes.push({ action: replaces ? "replace" : "update", type: r.type, name: r.name, inputs: changed, values });
  }
  for (const r of before) {
    if (!now.has(key(r))) changes.push({ action: "delete", type: r.type, name: r.name, inputs: [] });
  }
  return changes;
}

/** A rendered value for a change line: secrets (`{"secret": ...}`, as the render shows them) stay hidden. */
function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "secret") return "[secret]";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v)]));
  }
  return value;
}

const MAX_VALUE = 120;
const shown = (value: unknown) => {
  if (value === undefined) return "(unset)";
  const text = JSON.stringify(hideSecrets(value));
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
};

/** The changes as JSON, secrets hidden: what `render --diff --format json` prints. */
export function changesToJson(changes: readonly Change[]): string {
  return JSON.stringify({ changes: changes.map((c) => ({ ...c, values: c.values && hideSecrets(c.values) })) }, null, 2);
}

/** One line per change, then one indented `input: old -> new` line per input that differs, then a summary. */
export function formatChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return "no changes";
  const lines = changes.map(
    (c) =>
      `${c.action.padEnd(7)}  ${c.type}  ${c.name}${c.inputs.length ? `  (${c.inputs.join(", ")})` : ""}` +
      Object.entries(c.values ?? {})
        .map(([input, v]) => `\n           ${input}: ${shown(v.before)} -> ${shown(v.after)}`)
        .join(""),
  );
  const count = (a: Action) => changes.filter((c) => c.action === a).length;
  const summary = (["create", "update", "replace", "delete"] as const).map((a) => `${count(a)} to ${a}`).join(", ");
  return [...lines, summary].join("\n");
}

/**
 * Swarm resources of a render applied to the real Engine the way the docker provider applies them:
 * kreuzwerker/terraform-provider-docker v4.5.0, which @pulumi/docker 5.2.0 bridges
 * (internal/provider/resource_docker_service_funcs.go and resource_docker_service_structures.go,
 * resource_docker_secret.go, resource_docker_config.go). Each function cites the provider function it follows.
 */
import { engine, EngineError, type EngineApi } from "./engine-api";
import { createNetwork, goDurationNs } from "./replay";
import type { EngineRender, EngineResource } from "./render-json";
import { stepAll, type Timeline } from "./steps";

/** Inputs of a docker:index/service:Service as rendered, secrets shown bare. */
export type ServiceInputs = Record<string, any>;

/** Go's time.ParseDuration as the provider calls it, its error ignored: "" (an unset field) is 0. */
const ns = (text: string | undefined) => (text ? goDurationNs(text) : 0);
const labelSetToMap = (labels?: { label: string; value: string }[]) => (labels?.length ? Object.fromEntries(labels.map((l) => [l.label, l.value])) : undefined);

/** createUpdateOrRollbackConfig, over the schema's defaults (parallelism 1, pause, monitor 5s, stop-first). */
function updateOrRollbackConfig(c: Record<string, any> | undefined) {
  if (!c) return undefined;
  return {
    Parallelism: c.parallelism ?? 1,
    Delay: ns(c.delay ?? "0s"),
    FailureAction: c.failureAction ?? "pause",
    Monitor: ns(c.monitor ?? "5s"),
    MaxFailureRatio: Number(c.maxFailureRatio ?? "0.0"),
    Order: c.order ?? "stop-first",
  };
}

/**
 * createServiceSpec: the swarm.ServiceSpec the provider sends. `ids` maps the render's secret and config ids
 * (the mocks' `<logical name>-id`) to what the Engine returned when the replay created them.
 */
export function serviceSpecBody(inputs: ServiceInputs, ids: ReadonlyMap<string, string>): Record<string, unknown> {
  const t = inputs.taskSpec;
  const c = t.containerSpec;
  const h = c.healthcheck;
  const idOf = (id: string) => {
    const real = ids.get(id);
    if (!real) throw new Error(`${inputs.name} refers to ${id}, which the replay did not create`);
    return real;
  };
  // Secrets and configs: file_uid "0", file_gid "0", file_mode 0o444 by default.
  const file = (x: any) => ({ Name: x.fileName, UID: x.fileUid ?? "0", GID: x.fileGid ?? "0", Mode: x.fileMode ?? 0o444 });
  return {
    Name: inputs.name,
    Labels: labelSetToMap(inputs.labels),
    TaskTemplate: {
      ContainerSpec: {
        Image: c.image,
        Labels: labelSetToMap(c.labels),
        Command: c.commands,
        Args: c.args,
        Hostname: c.hostname,
        // mapTypeMapValsToStringSlice.
        Env: Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Dir: c.dir,
        User: c.user,
        ReadOnly: c.readOnly ?? false,
        Mounts: (c.mounts ?? []).map((m: any) => ({
          Type: m.type,
          Target: m.target,
          Source: m.source ?? "",
          ReadOnly: m.readOnly ?? false,
          ...(m.tmpfsOptions ? { TmpfsOptions: { SizeBytes: m.tmpfsOptions.sizeBytes ?? 0, Mode: m.tmpfsOptions.mode ?? 0 } } : {}),
        })),
        StopSignal: c.stopSignal,
        StopGracePeriod: c.stopGracePeriod !== undefined ? ns(c.stopGracePeriod) : undefined,
        Healthcheck: h && {
          Test: h.tests,
          Interval: ns(h.interval ?? "0s"),
          Timeout: ns(h.timeout ?? "0s"),
          StartPeriod: ns(h.startPeriod ?? "0s"),
          Retries: h.retries ?? 0,
        },
        // extraHostsSetToServiceExtraHosts: "<ip> <host>".
        Hosts: (c.hosts ?? []).map((x: any) => `${x.ip} ${x.host}`),
        Secrets: (c.secrets ?? []).map((s: any) => ({ SecretID: idOf(s.secretId), SecretName: s.secretName, File: file(s) })),
        Configs: (c.configs ?? []).map((s: any) => ({ ConfigID: idOf(s.configId), ConfigName: s.configName, File: file(s) })),
        Isolation: c.isolation ?? "default",
      },
      Resources: t.resources && {
        Limits: t.resources.limits && { NanoCPUs: t.resources.limits.nanoCpus ?? 0, MemoryBytes: t.resources.limits.memoryBytes ?? 0 },
      },
      // createRestartPolicy: delay and window parsed from "" (0) when unset.
      RestartPolicy: t.restartPolicy && {
        Condition: t.restartPolicy.condition,
        Delay: ns(t.restartPolicy.delay),
        MaxAttempts: t.restartPolicy.maxAttempts ?? 0,
        Window: ns(t.restartPolicy.window),
      },
      Placement: t.placement && { Constraints: t.placement.constraints ?? [], MaxReplicas: t.placement.maxReplicas ?? 0 },
      ForceUpdate: t.forceUpdate ?? 0,
      // createServiceAdvancedNetworks: the network by its id, else (deprecated) by its name, with its aliases.
      Networks: (t.networksAdvanceds ?? []).map((n: any) => ({ Target: n.id ? idOf(n.id) : n.name, Aliases: n.aliases ?? [] })),
    },
    Mode: inputs.mode?.global ? { Global: {} } : { Replicated: { Replicas: inputs.mode?.replicated?.replicas ?? 1 } },
    UpdateConfig: updateOrRollbackConfig(inputs.updateConfig),
    RollbackConfig: updateOrRollbackConfig(inputs.rollbackConfig),
    // portSetToServicePorts, over the schema's defaults (tcp, ingress).
    EndpointSpec: {
      Mode: inputs.endpointSpec?.mode,
      Ports: (inputs.endpointSpec?.ports ?? []).map((p: any) => ({
        Name: p.name,
        Protocol: p.protocol ?? "tcp",
        TargetPort: p.targetPort,
        PublishedPort: p.publishedPort,
        PublishMode: p.publishMode ?? "ingress",
      })),
    },
  };
}

/** numberedStates: the task states in the order the state machine walks them. */
const STATES = [
  "new",
  "allocated",
  "pending",
  "assigned",
  "accepted",
  "preparing",
  "ready",
  "starting",
  "running",
  "complete",
  "shutdown",
  "failed",
  "rejected",
];
const rank = (s: string) => STATES.indexOf(s) + 1;

/** replicatedConsoleLogUpdater.update: the tasks by slot, on active nodes, and whether as many run as the spec wants. */
export async function runningReplicas(serviceId: string, api: EngineApi = engine): Promise<{ running: number; replicas: number }> {
  const service = await api({ method: "GET", path: `/services/${serviceId}` });
  const replicas = service.Spec.Mode.Replicated?.Replicas;
  if (replicas === undefined) throw new Error("no replica count");
  const tasks = await api<any[]>({
    method: "GET",
    path: "/tasks",
    query: { filters: JSON.stringify({ service: [serviceId], "desired-state": ["running"] }) },
  });
  const nodes = await api<any[]>({ method: "GET", path: "/nodes" });
  const active = new Set(nodes.filter((n) => n.Status.State !== "down").map((n) => n.ID));
  const bySlot = new Map<number, any>();
  for (const task of tasks) {
    if (!rank(task.DesiredState) || !rank(task.Status.State)) continue;
    const existing = bySlot.get(task.Slot);
    if (existing) {
      if (rank(existing.DesiredState) < rank(task.DesiredState)) continue;
      if (rank(existing.DesiredState) === rank(task.DesiredState) && rank(existing.Status.State) <= rank(task.Status.State)) continue;
    }
    if (task.NodeID && !active.has(task.NodeID)) continue;
    bySlot.set(task.Slot, task);
  }
  const running = [...bySlot.values()].filter((t) => rank(t.DesiredState) <= rank("running") && t.Status.State === "running").length;
  return { running, replicas };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SwarmOptions {
  readonly log?: (line: string) => void;
  /** Seconds between polls (the provider: converge_config.delay first, then at least 5 s). */
  readonly pollSeconds?: number;
  /** The manager's Engine; the default Engine when unset. */
  readonly api?: EngineApi;
  /** As `pulumi up --parallel <n>` (stack-under-test.ts SSH_PARALLEL over ssh); unbounded when unset. */
  readonly parallel?: number;
}

/**
 * resourceDockerServiceCreate: ServiceCreate (QueryRegistry: the client looks the image's digest up in
 * its registry first; none answers here, which the client only warns about), then with converge_config
 * the tasks polled until as many run as the spec wants (a task with a healthcheck runs once healthy).
 * A service that does not converge in time is deleted, and the create fails.
 */
export async function createService(inputs: ServiceInputs, ids: ReadonlyMap<string, string>, opts: SwarmOptions = {}): Promise<string> {
  const api = opts.api ?? engine;
  const { ID: id } = await api<{ ID: string }>({ method: "POST", path: "/services/create", json: serviceSpecBody(inputs, ids) });
  const converge = inputs.convergeConfig;
  if (!converge) return id;
  const started = Date.now();
  const timeoutMs = ns(converge.timeout ?? "3m") / 1e6;
  await sleep(ns(converge.delay ?? "7s") / 1e6);
  for (;;) {
    const { running, replicas } = await runningReplicas(id, api);
    if (running === replicas) break;
    if (Date.now() - started > timeoutMs) {
      await deleteService(id, inputs, api);
      throw new Error(`Service with ID (${id}) did not converge after ${converge.timeout ?? "3m"}`);
    }
    await sleep((opts.pollSeconds ?? 1) * 1000);
  }
  opts.log?.(`${inputs.name}: converged after ${Math.round((Date.now() - started) / 1000)} s`);
  return id;
}

/**
 * resourceDockerServiceUpdate: ServiceInspect (for its version), ServiceUpdate with the whole new spec,
 * then with converge_config UpdateStatus polled: completed is done; rollback_completed, paused and
 * rollback_paused fail the update (the deploy reports the rollback as an error).
 */
export async function updateService(id: string, inputs: ServiceInputs, ids: ReadonlyMap<string, string>, opts: SwarmOptions = {}): Promise<void> {
  const api = opts.api ?? engine;
  const current = await api({ method: "GET", path: `/services/${id}` });
  await api({ method: "POST", path: `/services/${id}/update`, query: { version: current.Version.Index }, json: serviceSpecBody(inputs, ids) });
  const converge = inputs.convergeConfig;
  if (!converge) return;
  const started = Date.now();
  const timeoutMs = ns(converge.timeout ?? "3m") / 1e6;
  await sleep(7000); // the provider's fixed Delay before the first poll of an update
  for (;;) {
    const service = await api({ method: "GET", path: `/services/${id}` });
    const status = service.UpdateStatus;
    let rollback = false;
    switch (status?.State) {
      case "completed":
        opts.log?.(`${inputs.name}: update completed after ${Math.round((Date.now() - started) / 1000)} s`);
        return;
      case "rollback_started":
        rollback = true;
        break;
      case "rollback_completed":
        throw new Error(`service rollback completed: ${status.Message}`);
      case "paused":
        throw new Error(`service update paused: ${status.Message}`);
      case "rollback_paused":
        throw new Error(`service rollback paused: ${status.Message}`);
    }
    // As the provider does: as many running tasks as replicas counts as done, even while Swarm is still
    // updating (between two slots, or during the monitor period of the last one).
    const { running, replicas } = await runningReplicas(id);
    if (running === replicas) {
      if (rollback) throw new Error(`service rollback completed: ${status.Message}`);
      opts.log?.(`${inputs.name}: ${replicas} tasks running after ${Math.round((Date.now() - started) / 1000)} s (Swarm: ${status?.State ?? "no update"})`);
      return;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`Service with ID (${id}) did not converge after ${converge.timeout}`);
    await sleep((opts.pollSeconds ?? 1) * 1000);
  }
}

/**
 * resourceDockerServiceDelete -> deleteService: with a stop_grace_period, the running tasks' containers
 * are noted, the service removed, and each container waited for (up to the grace) and then force-removed.
 */
export async function deleteService(id: string, inputs: ServiceInputs, api: EngineApi = engine): Promise<void> {
  const grace = inputs.taskSpec?.containerSpec?.stopGracePeriod;
  const containers: string[] = [];
  if (grace && grace !== "0s") {
    const tasks = await api<any[]>({ method: "GET", path: "/tasks", query: { filters: JSON.stringify({ service: [inputs.name] }) } }).catch(() => []);
    for (const t of tasks) if (t.Status.ContainerStatus?.ContainerID && t.Status.State !== "shutdown") containers.push(t.Status.ContainerStatus.ContainerID);
  }
  try {
    await api({ method: "DELETE", path: `/services/${id}` });
  } catch (err) {
    // The provider fails on any error of ServiceRemove; the tier's clean-up calls this too, for services maybe gone.
    if (!(err instanceof EngineError && err.status === 404)) throw err;
  }
  for (const c of containers) {
    const until = Date.now() + ns(grace) / 1e6;
    while (Date.now() < until) {
      const gone = await api({ method: "GET", path: `/containers/${c}/json` }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await sleep(500);
    }
    await api({ method: "DELETE", path: `/containers/${c}`, query: { v: true, force: true } }).catch(() => undefined);
  }
}

/** resourceDockerSecretCreate: SecretCreate with the name and the base64-decoded data (the API takes it base64 again). */
export async function createSecret(inputs: Record<string, any>, api: EngineApi = engine): Promise<string> {
  const r = await api<{ ID: string }>({
    method: "POST",
    path: "/secrets/create",
    json: { Name: inputs.name, Data: inputs.data, Labels: labelSetToMap(inputs.labels) },
  });
  return r.ID;
}

/** resourceDockerConfigCreate: ConfigCreate with the name and data. */
export async function createConfig(inputs: Record<string, any>, api: EngineApi = engine): Promise<string> {
  const r = await api<{ ID: string }>({ method: "POST", path: "/configs/create", json: { Name: inputs.name, Data: inputs.data } });
  return r.ID;
}

/** What a Swarm apply created: ids by `<resource name>-id` (networks, secrets, configs), services by resource key. */
export interface SwarmApplied {
  readonly ids: Map<string, string>;
  readonly services: Map<string, { id: string; inputs: ServiceInputs }>;
  readonly networks: string[];
  readonly secrets: string[];
  readonly configs: string[];
  /** When the last applySwarm began and ended each resource's step. */
  readonly steps: Timeline;
}

/** Applies a render's Swarm resources as `pulumi up` on a fresh stack, stepped as the engine steps it (steps.ts), recording each in `into`. */
export async function applySwarm(render: EngineRender, into: SwarmApplied, opts: SwarmOptions = {}): Promise<void> {
  const api = opts.api ?? engine;
  await stepAll(render.resources, (r) => applySwarmResource(r, into, api, opts), into.steps, opts.parallel);
}

async function applySwarmResource(r: EngineResource, into: SwarmApplied, api: EngineApi, opts: SwarmOptions): Promise<void> {
  switch (r.type) {
    case "docker:index/network:Network":
      into.ids.set(`${r.name}-id`, await createNetwork(r.inputs, r.inputs.name, api));
      into.networks.push(r.inputs.name);
      break;
    case "docker:index/secret:Secret":
      into.ids.set(`${r.name}-id`, await createSecret(r.inputs, api));
      into.secrets.push(r.inputs.name);
      break;
    case "docker:index/serviceConfig:ServiceConfig":
      into.ids.set(`${r.name}-id`, await createConfig(r.inputs, api));
      into.configs.push(r.inputs.name);
      break;
    case "docker:index/service:Service": {
      const id = await createService(r.inputs, into.ids, opts);
      into.services.set(r.key, { id, inputs: r.inputs });
      break;
    }
    default:
      throw new Error(`the swarm render has a ${r.type}, which the replay does not apply`);
  }
}

/**
 * Go's shortDur (resource_docker_service_structures.go) over nanoseconds: Duration.String() less a trailing "0s"
 * after minutes or "0m" after hours. Written here from Go's code, not taken from models/duration.ts: the replay
 * witnesses what the stack writes, so it must not share the stack's own function.
 */
export function shortDur(nanoseconds: number): string {
  let s = goDurationString(nanoseconds);
  if (s.endsWith("m0s")) s = s.slice(0, -2);
  if (s.endsWith("h0m")) s = s.slice(0, -2);
  return s;
}

/** Go's Duration.String() for the whole-millisecond durations a service holds. */
function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e9) return `${ns / 1e6}ms`;
  const total = ns / 1e9;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = +(total % 60).toFixed(9);
  if (h) return `${h}h${m}m${sec}s`;
  if (m) return `${m}m${sec}s`;
  return `${sec}s`;
}

const labelSet = (labels?: Record<string, string>) => Object.entries(labels ?? {}).map(([label, value]) => ({ label, value }));

/**
 * resourceDockerServiceRead -> resourceDockerServiceReadRefreshFunc: the service as the state holds it after a
 * create, an update or a refresh, in the render's input names, for what the stack sets (flattenTaskSpec,
 * flattenContainerSpec, flattenServiceMounts, flattenServiceHealthcheck, flattenServiceHosts,
 * flattenServiceSecrets/Configs, flattenTaskResources, flattenTaskRestartPolicy, flattenTaskPlacement,
 * flattenTaskNetworksAdvanced, flattenServiceMode, flattenServiceUpdateOrRollbackConfig, flattenServiceEndpoint).
 * Undefined when no service has the ID or the name any more (fetchDockerService): it leaves the state.
 */
export async function readService(id: string, name: string, api: EngineApi = engine): Promise<ServiceInputs | undefined> {
  const all = await api<any[]>({ method: "GET", path: "/services" });
  const found = all.find((x) => x.ID === id || x.Spec.Name === name);
  if (!found) return undefined;
  const svc = await api<any>({ method: "GET", path: `/services/${found.ID}` });
  const spec = svc.Spec;
  const t = spec.TaskTemplate;
  const c = t.ContainerSpec;
  const some = <T>(v: T[] | undefined) => (v?.length ? v : undefined);
  const file = (f: any) => (f ? { fileName: f.Name, ...(f.UID ? { fileUid: f.UID } : {}), ...(f.GID ? { fileGid: f.GID } : {}), fileMode: f.Mode } : {});
  const upd = (u: any) =>
    u && {
      parallelism: u.Parallelism,
      delay: shortDur(u.Delay ?? 0),
      failureAction: u.FailureAction,
      monitor: shortDur(u.Monitor ?? 0),
      maxFailureRatio: Number(u.MaxFailureRatio ?? 0).toFixed(1),
      order: u.Order,
    };
  const endpoint = svc.Endpoint?.Spec?.Mode
    ? { mode: svc.Endpoint.Spec.Mode, ports: svc.Endpoint.Ports ?? [] }
    : { mode: spec.EndpointSpec?.Mode, ports: spec.EndpointSpec?.Ports ?? [] };
  return {
    name: spec.Name,
    labels: labelSet(spec.Labels),
    taskSpec: {
      containerSpec: {
        image: c.Image,
        labels: some(labelSet(c.Labels)),
        commands: some(c.Command),
        args: some(c.Args),
        env: c.Env?.length ? Object.fromEntries(c.Env.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])) : undefined,
        readOnly: c.ReadOnly || undefined,
        mounts: some(
          (c.Mounts ?? []).map((m: any) => ({
            target: m.Target,
            source: m.Source ?? "",
            type: m.Type,
            readOnly: m.ReadOnly ?? false,
            ...(m.TmpfsOptions ? { tmpfsOptions: { sizeBytes: m.TmpfsOptions.SizeBytes ?? 0, mode: (m.TmpfsOptions.Mode ?? 0) & 0o777 } } : {}),
            ...(m.VolumeOptions ? { volumeOptions: m.VolumeOptions } : {}),
            ...(m.BindOptions ? { bindOptions: m.BindOptions } : {}),
          })),
        ),
        stopSignal: c.StopSignal || undefined,
        stopGracePeriod: c.StopGracePeriod !== undefined ? shortDur(c.StopGracePeriod) : undefined,
        healthcheck: c.Healthcheck && {
          ...(c.Healthcheck.Test?.length ? { tests: c.Healthcheck.Test } : {}),
          interval: shortDur(c.Healthcheck.Interval ?? 0),
          timeout: shortDur(c.Healthcheck.Timeout ?? 0),
          startPeriod: shortDur(c.Healthcheck.StartPeriod ?? 0),
          retries: c.Healthcheck.Retries ?? 0,
        },
        hosts: some((c.Hosts ?? []).map((h: string) => ({ ip: h.split(" ")[0], host: h.split(" ")[1] }))),
        secrets: some((c.Secrets ?? []).map((x: any) => ({ secretId: x.SecretID, ...(x.SecretName ? { secretName: x.SecretName } : {}), ...file(x.File) }))),
        configs: some((c.Configs ?? []).map((x: any) => ({ configId: x.ConfigID, ...(x.ConfigName ? { configName: x.ConfigName } : {}), ...file(x.File) }))),
        isolation: c.Isolation || undefined,
      },
      resources: t.Resources && {
        limits: t.Resources.Limits ? { nanoCpus: t.Resources.Limits.NanoCPUs ?? 0, memoryBytes: t.Resources.Limits.MemoryBytes ?? 0 } : undefined,
        reservation: t.Resources.Reservations
          ? { nanoCpus: t.Resources.Reservations.NanoCPUs ?? 0, memoryBytes: t.Resources.Reservations.MemoryBytes ?? 0 }
          : undefined,
      },
      restartPolicy: t.RestartPolicy && {
        condition: t.RestartPolicy.Condition || undefined,
        delay: t.RestartPolicy.Delay !== undefined ? shortDur(t.RestartPolicy.Delay) : undefined,
        maxAttempts: t.RestartPolicy.MaxAttempts,
        window: t.RestartPolicy.Window !== undefined ? shortDur(t.RestartPolicy.Window) : undefined,
      },
      placement: t.Placement && { constraints: some(t.Placement.Constraints), maxReplicas: t.Placement.MaxReplicas ?? 0 },
      networksAdvanceds: some((t.Networks ?? []).map((n: any) => ({ id: n.Target, ...(n.Aliases?.length ? { aliases: n.Aliases } : {}) }))),
    },
    mode: { ...(spec.Mode.Replicated ? { replicated: { replicas: spec.Mode.Replicated.Replicas } } : {}), global: spec.Mode.Global !== undefined },
    updateConfig: upd(spec.UpdateConfig),
    rollbackConfig: upd(spec.RollbackConfig),
    endpointSpec: {
      mode: endpoint.mode,
      ports: endpoint.ports.map((p: any) => ({
        name: p.Name ?? "",
        protocol: p.Protocol,
        targetPort: p.TargetPort,
        publishedPort: p.PublishedPort,
        publishMode: p.PublishMode,
      })),
    },
  };
}

/**
 * The schema's say on each attribute the stack sets (resource_docker_service.go): Computed ones keep the state's
 * value when the program leaves them unset; a Default fills in an unset one; every other unset one is its zero
 * value, which differs from a non-zero state. Keys are paths, `[]` standing for each element of a set or list.
 */
const COMPUTED = new Set([
  "labels",
  "taskSpec.containerSpec.stopGracePeriod",
  "taskSpec.containerSpec.healthcheck",
  "taskSpec.containerSpec.dnsConfig",
  "taskSpec.resources",
  "taskSpec.restartPolicy",
  "taskSpec.placement",
  "mode",
  "mode.replicated",
  "endpointSpec",
  "endpointSpec.mode",
  "endpointSpec.ports[].publishedPort",
]);
const DEFAULTS: Record<string, unknown> = {
  "taskSpec.containerSpec.healthcheck.interval": "0s",
  "taskSpec.containerSpec.healthcheck.timeout": "0s",
  "taskSpec.containerSpec.healthcheck.startPeriod": "0s",
  "taskSpec.containerSpec.healthcheck.retries": 0,
  "taskSpec.containerSpec.isolation": "default",
  "taskSpec.containerSpec.secrets[].fileUid": "0",
  "taskSpec.containerSpec.secrets[].fileGid": "0",
  "taskSpec.containerSpec.secrets[].fileMode": 0o444,
  "taskSpec.containerSpec.configs[].fileUid": "0",
  "taskSpec.containerSpec.configs[].fileGid": "0",
  "taskSpec.containerSpec.configs[].fileMode": 0o444,
  "mode.replicated.replicas": 1,
  "mode.global": false,
  ...Object.fromEntries(
    ["updateConfig", "rollbackConfig"].flatMap((b) => [
      [`${b}.parallelism`, 1],
      [`${b}.delay`, "0s"],
      [`${b}.failureAction`, "pause"],
      [`${b}.monitor`, "5s"],
      [`${b}.maxFailureRatio`, "0.0"],
      [`${b}.order`, "stop-first"],
    ]),
  ),
  "endpointSpec.ports[].protocol": "tcp",
  "endpointSpec.ports[].publishMode": "ingress",
};
/** Sets (compared whatever the order); any other array is a list. */
const SETS = new Set([
  "labels",
  "taskSpec.containerSpec.labels",
  "taskSpec.containerSpec.mounts",
  "taskSpec.containerSpec.hosts",
  "taskSpec.containerSpec.secrets",
  "taskSpec.containerSpec.configs",
  "taskSpec.placement.constraints",
  "taskSpec.networksAdvanceds",
  "taskSpec.networksAdvanceds[].aliases",
]);
/** ForceNew attributes: a change replaces the service. */
const FORCE_NEW = ["name", "mode", "taskSpec.containerSpec.hosts", "taskSpec.networksAdvanceds", "taskSpec.containerSpec.sysctl"];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const zeroLike = (v: unknown) =>
  v === undefined || v === "" || v === 0 || v === false || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/** The attribute paths where the program's value (with defaults) differs from the state's, by the SDK's rules. */
function differences(path: string, want: unknown, have: unknown, out: string[]): void {
  if (want === undefined && COMPUTED.has(path)) return;
  const wanted = want ?? DEFAULTS[path];
  if (path.endsWith("maxFailureRatio")) {
    if (Number(wanted ?? 0) !== Number(have ?? 0)) out.push(path); // suppressEquivalentFloatRatio
    return;
  }
  if (isPlainObject(wanted) || isPlainObject(have)) {
    const w = isPlainObject(wanted) ? wanted : {};
    const h = isPlainObject(have) ? have : {};
    // env is a map: every key counts.
    if (path.endsWith("containerSpec.env")) {
      if (JSON.stringify(Object.entries(w).sort()) !== JSON.stringify(Object.entries(h).sort())) out.push(path);
      return;
    }
    for (const k of new Set([...Object.keys(w), ...Object.keys(h)])) differences(`${path ? `${path}.` : ""}${k}`, w[k], h[k], out);
    return;
  }
  if (Array.isArray(wanted) || Array.isArray(have)) {
    const w = (Array.isArray(wanted) ? wanted : []).map((x) => canonical(`${path}[]`, x));
    const h = (Array.isArray(have) ? have : []).map((x) => canonical(`${path}[]`, x));
    if (SETS.has(path)) {
      w.sort();
      h.sort();
    }
    if (JSON.stringify(w) !== JSON.stringify(h)) out.push(path);
    return;
  }
  if (zeroLike(wanted) && zeroLike(have)) return;
  if (wanted !== have) out.push(path);
}

/** An element of a set or list with its defaults filled in and its zero values dropped, as text, for comparison. */
function canonical(path: string, v: unknown): string {
  if (!isPlainObject(v)) return JSON.stringify(v);
  const keys = new Set([
    ...Object.keys(v),
    ...Object.keys(DEFAULTS)
      .filter((k) => k.startsWith(`${path}.`))
      .map((k) => k.slice(path.length + 1)),
  ]);
  const filled = [...keys]
    .sort()
    .map((k) => [k, v[k] ?? DEFAULTS[`${path}.${k}`]] as const)
    .filter(([k, x]) => !zeroLike(x) && !COMPUTED.has(`${path}.${k}`))
    .map(([k, x]) => [k, Array.isArray(x) && SETS.has(`${path}.${k}`) ? [...x].map(String).sort() : isPlainObject(x) ? canonical(`${path}.${k}`, x) : x]);
  return JSON.stringify(filled);
}

/** The render's inputs with each id of a resource the replay created (`<name>-id`) as the Engine gave it. */
function withEngineIds(inputs: ServiceInputs, ids: ReadonlyMap<string, string>): ServiceInputs {
  const real = (x: string) => ids.get(x) ?? x;
  const c = inputs.taskSpec.containerSpec;
  return {
    ...inputs,
    taskSpec: {
      ...inputs.taskSpec,
      containerSpec: {
        ...c,
        ...(c.secrets ? { secrets: c.secrets.map((s: any) => ({ ...s, secretId: real(s.secretId) })) } : {}),
        ...(c.configs ? { configs: c.configs.map((s: any) => ({ ...s, configId: real(s.configId) })) } : {}),
      },
      networksAdvanceds: (inputs.taskSpec.networksAdvanceds ?? []).map((n: any) => (n.id ? { ...n, id: real(n.id) } : n)),
    },
  };
}

/**
 * What `pulumi up` does to a service whose state is `state` when the program gives `inputs`: the attributes that
 * differ, and whether one of them is ForceNew (a replacement) or all update in place (resourceDockerServiceUpdate).
 * converge_config is not read back (the state keeps the program's).
 */
export function plannedServiceChange(state: ServiceInputs, inputs: ServiceInputs, ids: ReadonlyMap<string, string>): { changed: string[]; replace: boolean } {
  const { convergeConfig: _notRead, ...program } = withEngineIds(inputs, ids);
  const changed: string[] = [];
  differences("", program, state, changed);
  return { changed, replace: changed.some((p) => FORCE_NEW.some((f) => p === f || p.startsWith(`${f}.`))) };
}

/**
 * A second `pulumi up` of the same program (with a refresh, Pulumi.yaml `options.refresh: always`): each service
 * read back and planned against its inputs; replaced (deleted, then created) when a ForceNew attribute differs,
 * updated when another one does, left alone when none does. Returns a line per service it touched.
 */
export async function upSwarmAgain(render: EngineRender, applied: SwarmApplied, opts: SwarmOptions = {}): Promise<string[]> {
  const api = opts.api ?? engine;
  const touched: string[] = [];
  for (const r of render.resources.filter((x) => x.type === "docker:index/service:Service")) {
    const was = applied.services.get(r.key);
    if (!was) throw new Error(`${r.inputs.name} was not applied`);
    const state = await readService(was.id, r.inputs.name, api);
    if (!state) {
      applied.services.set(r.key, { id: await createService(r.inputs, applied.ids, opts), inputs: r.inputs });
      touched.push(`${r.inputs.name}: created (it was not on the swarm)`);
      continue;
    }
    const { changed, replace } = plannedServiceChange(state, r.inputs, applied.ids);
    if (changed.length === 0) continue;
    if (replace) {
      await deleteService(was.id, was.inputs, api);
      applied.services.set(r.key, { id: await createService(r.inputs, applied.ids, opts), inputs: r.inputs });
    } else await updateService(was.id, r.inputs, applied.ids, opts);
    touched.push(`${r.inputs.name}: ${replace ? "replaced" : "updated"} (${changed.join(", ")})`);
  }
  for (const line of touched) opts.log?.(line);
  return touched;
}

/**
 * Swarm resources of a render applied to the real Engine the way the docker provider applies them:
 * kreuzwerker/terraform-provider-docker v3.0.2 (internal/provider/resource_docker_service_funcs.go and
 * resource_docker_service_structures.go, resource_docker_secret.go, resource_docker_config.go).
 * Each function cites the provider function it follows.
 */
import { engine, EngineError, type EngineApi } from "./engine-api";
import { createNetwork, goDurationNs } from "./replay";
import type { EngineRender } from "./render-json";

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
      // createServiceAdvancedNetworks: the network by name, with its aliases.
      Networks: (t.networksAdvanceds ?? []).map((n: any) => ({ Target: n.name, Aliases: n.aliases ?? [] })),
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

/** What a Swarm apply created: ids by `<resource name>-id` (secrets, configs), services by resource key. */
export interface SwarmApplied {
  readonly ids: Map<string, string>;
  readonly services: Map<string, { id: string; inputs: ServiceInputs }>;
  readonly networks: string[];
  readonly secrets: string[];
  readonly configs: string[];
}

/** Applies a render's Swarm resources in its order, as `pulumi up` on a fresh stack, recording each in `into`. */
export async function applySwarm(render: EngineRender, into: SwarmApplied, opts: SwarmOptions = {}): Promise<void> {
  const api = opts.api ?? engine;
  for (const r of render.resources) {
    switch (r.type) {
      case "docker:index/network:Network":
        await createNetwork(r.inputs, r.inputs.name, api);
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
}

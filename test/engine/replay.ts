/**
 * A stack's render applied to the real Docker Engine the way the docker provider applies it: the same
 * calls, bodies and order as kreuzwerker/terraform-provider-docker v3.0.2 (which @pulumi/docker 5.x
 * wraps). Each function cites the provider function it follows, in internal/provider/.
 */
import { pack } from "tar-stream";
import { engine, EngineError, type EngineApi } from "./engine-api";

/** Go's time.ParseDuration for what the stack writes ("1m0s", "30s", "500ms"), in nanoseconds. */
export function goDurationNs(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text === "") throw new Error(`not a Go duration: ${text}`);
  return total;
}

const MB = 1024 * 1024;

/** Inputs of a docker:index/container:Container as rendered, secrets shown bare. */
export type ContainerInputs = Record<string, any>;

/**
 * container.Config, container.HostConfig as resourceDockerContainerCreate builds them
 * (resource_docker_container_funcs.go), from the Pulumi inputs (camelCase names of the schema's fields).
 * `imageId` is what the container's `image` input resolves to: the RemoteImage's imageId.
 */
export function createBody(inputs: ContainerInputs, imageId: string): Record<string, unknown> {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
  // portSetToDockerPorts (resource_docker_container_structures.go): one binding per entry, appended per port.
  for (const p of inputs.ports ?? []) {
    const port = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[port] = {};
    (bindings[port] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? undefined : String(p.external) });
  }
  // volumeSetToDockerVolumes: "<volume name or host path>:<container path>:rw|ro" binds.
  const binds = (inputs.volumes ?? []).map((v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
  const volumes = Object.fromEntries((inputs.volumes ?? []).map((v: any) => [v.containerPath, {}]));
  const h = inputs.healthcheck;
  const config = {
    Image: imageId,
    StopSignal: inputs.stopSignal ?? "",
    StopTimeout: inputs.stopTimeout,
    Env: inputs.envs,
    Cmd: inputs.command,
    Entrypoint: inputs.entrypoints,
    User: inputs.user,
    // labelSetToMap.
    Labels: (inputs.labels ?? []).length ? Object.fromEntries(inputs.labels.map((l: any) => [l.label, l.value])) : undefined,
    WorkingDir: inputs.workingDir,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Volumes: Object.keys(volumes).length ? volumes : undefined,
    Healthcheck: h && {
      Test: h.tests,
      Interval: h.interval ? goDurationNs(h.interval) : 0,
      Timeout: h.timeout ? goDurationNs(h.timeout) : 0,
      StartPeriod: h.startPeriod ? goDurationNs(h.startPeriod) : 0,
      Retries: h.retries ?? 0,
    },
  };
  const hostConfig = {
    Privileged: inputs.privileged ?? false,
    RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
    Mounts: [],
    ReadonlyRootfs: inputs.readOnly ?? false,
    Tmpfs: inputs.tmpfs,
    PortBindings: Object.keys(bindings).length ? bindings : undefined,
    // extraHostsSetToContainerExtraHosts: "<host>:<ip>".
    ExtraHosts: (inputs.hosts ?? []).length ? inputs.hosts.map((x: any) => `${x.host}:${x.ip}`) : undefined,
    Binds: binds.length ? binds : undefined,
    // ulimitsToDockerUlimits.
    Ulimits: (inputs.ulimits ?? []).length ? inputs.ulimits.map((u: any) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) : undefined,
    SecurityOpt: inputs.securityOpts,
    // memory, memory_swap and shm_size are in MB in the schema.
    Memory: inputs.memory ? inputs.memory * MB : undefined,
    MemorySwap: inputs.memorySwap ? (inputs.memorySwap > 0 ? inputs.memorySwap * MB : inputs.memorySwap) : undefined,
    ShmSize: inputs.shmSize ? inputs.shmSize * MB : undefined,
    Init: inputs.init ?? false,
    LogConfig: { Type: inputs.logDriver ?? "", Config: inputs.logOpts },
  };
  return { ...config, HostConfig: hostConfig, NetworkingConfig: {} };
}

/** The tar the provider builds for each upload (mode 0644, or 0744 when executable), extracted at `/`. */
function uploadTar(file: string, content: string, executable: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: Buffer) => chunks.push(c));
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
    p.entry({ name: file, mode: executable ? 0o744 : 0o644, mtime: new Date() }, content, (err) => (err ? reject(err) : p.finalize()));
  });
}

export interface CreateOptions {
  /** Engine name of each network the inputs name (the tier maps hosts onto one Engine). */
  readonly networkName?: (name: string) => string;
  readonly log?: (line: string) => void;
  /** The Engine of the provider the container is registered with; the default Engine when unset. */
  readonly api?: EngineApi;
  /** Told the container's ID as soon as it exists: the provider sets it in the state right after the create. */
  readonly onCreated?: (id: string) => void;
}

export interface CreatedContainer {
  readonly id: string;
  readonly name: string;
}

/**
 * resourceDockerContainerCreate: ContainerCreate, then (with networks_advanced) NetworkDisconnect from
 * "bridge" and NetworkConnect to each network with its aliases, then CopyToContainer of each upload at
 * "/", then ContainerStart, then (with wait) ContainerInspect every second until healthy or wait_timeout.
 * On an error after the create, the container stays (the provider's partial state: an init error).
 */
export async function createContainer(inputs: ContainerInputs, imageId: string, opts: CreateOptions = {}): Promise<CreatedContainer> {
  const log = opts.log ?? (() => {});
  const api = opts.api ?? engine;
  const name = String(inputs.name);
  const created = await api<{ Id: string }>({ method: "POST", path: "/containers/create", query: { name }, json: createBody(inputs, imageId) });
  const id = created.Id;
  opts.onCreated?.(id);
  if ((inputs.networksAdvanced ?? []).length) {
    try {
      await api({ method: "POST", path: "/networks/bridge/disconnect", json: { Container: id, Force: false } });
    } catch (err) {
      // containsIgnorableErrorMessage(..., "is not connected to the network bridge")
      if (!(err instanceof EngineError && /is not connected to the network bridge/.test(err.message))) throw err;
    }
    for (const n of inputs.networksAdvanced) {
      const network = (opts.networkName ?? ((x) => x))(n.name);
      await api({
        method: "POST",
        path: `/networks/${encodeURIComponent(network)}/connect`,
        json: { Container: id, EndpointConfig: { Aliases: n.aliases, IPAMConfig: { IPv4Address: n.ipv4Address ?? "", IPv6Address: n.ipv6Address ?? "" } } },
      });
    }
  }
  for (const u of inputs.uploads ?? []) {
    const body = await uploadTar(u.file, u.content ?? Buffer.from(u.contentBase64 ?? "", "base64").toString("utf8"), u.executable ?? false);
    await api({ method: "PUT", path: `/containers/${id}/archive`, query: { path: "/" }, body, contentType: "application/x-tar" });
  }
  if (inputs.start ?? true) {
    await api({ method: "POST", path: `/containers/${id}/start` });
    if (inputs.wait) {
      const timeoutMs = (inputs.waitTimeout ?? 60) * 1000;
      const started = Date.now();
      for (;;) {
        const state = (await inspectContainer(id, api)).State;
        if (state.Health?.Status === "healthy") break;
        if (Date.now() - started > timeoutMs)
          throw new Error(`${name}: container failed to be in healthy state (waited ${inputs.waitTimeout} s; last: ${state.Health?.Status ?? state.Status})`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      log(`${name}: healthy after ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }
  return { id, name };
}

/** resourceDockerContainerUpdate: one ContainerUpdate when restart, max_retry_count, cpu_shares, memory, cpu_set or memory_swap changed. */
export function updateBody(inputs: ContainerInputs): Record<string, unknown> {
  return {
    RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
    CpuShares: inputs.cpuShares ?? 0,
    Memory: (inputs.memory ?? 0) * MB,
    CpusetCpus: inputs.cpuSet ?? "",
    // Sent only when set (d.GetOk): without it the Engine keeps the old swap limit.
    ...(inputs.memorySwap ? { MemorySwap: inputs.memorySwap > 0 ? inputs.memorySwap * MB : inputs.memorySwap } : {}),
  };
}

export const UPDATABLE = ["restart", "maxRetryCount", "cpuShares", "memory", "cpuSet", "memorySwap"] as const;

export async function updateContainer(id: string, before: ContainerInputs, after: ContainerInputs, api: EngineApi = engine): Promise<boolean> {
  if (!UPDATABLE.some((k) => before[k] !== after[k])) return false;
  await api({ method: "POST", path: `/containers/${id}/update`, json: updateBody(after) });
  return true;
}

/**
 * resourceDockerContainerDelete: ContainerStop with destroy_grace_seconds (0 when unset), ContainerRemove
 * with force and remove_volumes, then ContainerWait until not running.
 */
export async function deleteContainer(id: string, inputs: ContainerInputs, api: EngineApi = engine): Promise<void> {
  const grace = inputs.destroyGraceSeconds ?? 0;
  try {
    await api({ method: "POST", path: `/containers/${id}/stop`, query: { t: grace }, timeoutMs: (grace + 30) * 1000 });
  } catch (err) {
    if (!(err instanceof EngineError && err.status === 404)) throw err;
    return;
  }
  await api({ method: "DELETE", path: `/containers/${id}`, query: { v: inputs.removeVolumes ?? true, force: true } }).catch((err) => {
    if (!(err instanceof EngineError && /No such container|is already in progress/.test(err.message))) throw err;
  });
}

/** resourceDockerNetworkCreate: NetworkCreate with the name (and driver, options... when set). */
export async function createNetwork(inputs: Record<string, any>, engineName: string, api: EngineApi = engine): Promise<string> {
  const r = await api<{ Id: string }>({
    method: "POST",
    path: "/networks/create",
    json: {
      Name: engineName,
      CheckDuplicate: inputs.checkDuplicate ?? false,
      Driver: inputs.driver,
      Internal: inputs.internal ?? false,
      Attachable: inputs.attachable ?? false,
      EnableIPv6: inputs.ipv6 ?? false,
    },
  });
  return r.Id;
}

/** resourceDockerVolumeCreate: VolumeCreate with the name. A `.get` read: VolumeInspect by name. */
export async function createVolume(name: string, api: EngineApi = engine): Promise<void> {
  await api({ method: "POST", path: "/volumes/create", json: { Name: name } });
}
export async function readVolume(name: string, api: EngineApi = engine): Promise<void> {
  await api({ method: "GET", path: `/volumes/${encodeURIComponent(name)}` });
}

/** resourceDockerImageCreate -> findImage: the image present locally (keep_locally), else a pull (no registry here). */
export async function findImage(reference: string, api: EngineApi = engine): Promise<string> {
  try {
    return (await api<{ Id: string }>({ method: "GET", path: `/images/${encodeURIComponent(reference)}/json` })).Id;
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) throw new Error(`${reference}: not on this Engine, and no registry is reachable to pull it`);
    throw err;
  }
}

export const inspectContainer = (id: string, api: EngineApi = engine) => api<any>({ method: "GET", path: `/containers/${encodeURIComponent(id)}/json` });

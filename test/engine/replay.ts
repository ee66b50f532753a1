/**
 * A stack's render applied to the real Docker Engine the way the docker provider applies it: the same
 * calls, bodies and order as kreuzwerker/terraform-provider-docker v4.5.0, which @pulumi/docker 5.2.0 (the
 * version package.json pins) bridges: pulumi-docker's `upstream` submodule is at v4.5.0 (5074970c) from its
 * v5.1.0 on. Each function cites the provider function it follows, in internal/provider/ at that tag.
 */
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
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
      // v4 sends start_interval too (the schema's default "0s" when unset).
      StartInterval: h.startInterval ? goDurationNs(h.startInterval) : 0,
      Retries: h.retries ?? 0,
    },
  };
  const hostConfig = {
    // network_mode defaults to "bridge" (since v3.1.0; v3.0.2 sent none, which the Engine keeps as "default").
    NetworkMode: inputs.networkMode ?? "bridge",
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
    // Config only when log_opts is set.
    LogConfig: { Type: inputs.logDriver ?? "", ...(inputs.logOpts ? { Config: inputs.logOpts } : {}) },
  };
  return { ...config, HostConfig: hostConfig, NetworkingConfig: {} };
}

/** A tar of these files, in order. */
function tarOf(entries: readonly { name: string; mode: number; content: string | Buffer }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: Buffer) => chunks.push(c));
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
    const next = (i: number): void => {
      if (i === entries.length) return void p.finalize();
      const { name, mode, content } = entries[i];
      p.entry({ name, mode, mtime: new Date() }, content, (err) => (err ? reject(err) : next(i + 1)));
    };
    next(0);
  });
}

/** The tar the provider builds for each upload (`permissions` in octal, else 0744 when executable, else 0644), extracted at `/`. */
const uploadTar = (file: string, content: string, mode: number) => tarOf([{ name: file, mode, content }]);

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
  /** With attach: the exit code the read after the create sets (exit_code), and with logs its output (container_logs). */
  readonly exitCode?: number;
  readonly logs?: string;
}

/** stdcopy.StdCopy: a non-tty log stream's frames (stream byte, 3 zero bytes, big-endian size, payload), stdout and stderr in order. */
export function demuxLogs(stream: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= stream.length;) {
    const size = stream.readUInt32BE(at + 4);
    parts.push(stream.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
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
    const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644;
    const body = await uploadTar(u.file, u.content ?? Buffer.from(u.contentBase64 ?? "", "base64").toString("utf8"), mode);
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
        // errContainerFailedToBeInHealthyState, once wait_timeout is over.
        if (Date.now() - started > timeoutMs)
          throw new Error(`${name}: container failed to be in healthy state (waited ${inputs.waitTimeout} s; last: ${state.Health?.Status ?? state.Status})`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      log(`${name}: healthy after ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }
  if (inputs.attach) {
    // The attach block: ContainerWait(not-running), with ContainerLogs (follow) read meanwhile when logs is set; then
    // resourceDockerContainerRead, which sets exit_code from the stopped container's State.ExitCode. No error on a
    // non-zero code: the program decides (services/containers/service.ts completed).
    const started = Date.now();
    await api({ method: "POST", path: `/containers/${id}/wait`, query: { condition: "not-running" }, timeoutMs: 3_600_000 });
    const logs = inputs.logs
      ? demuxLogs(await api<Buffer>({ method: "GET", path: `/containers/${id}/logs`, query: { stdout: 1, stderr: 1 }, raw: true }))
      : undefined;
    const exitCode = (await inspectContainer(id, api)).State.ExitCode as number;
    log(`${name}: ran to its end in ${Math.round((Date.now() - started) / 1000)} s, exit code ${exitCode}`);
    return { id, name, exitCode, ...(logs !== undefined ? { logs } : {}) };
  }
  return { id, name };
}

/**
 * resourceDockerContainerUpdate's ContainerUpdate, sent once when any of UPDATABLE changed: the restart policy
 * and the resources, memory_swap only when set (d.GetOk: without it the Engine keeps the old swap limit).
 */
export function updateBody(inputs: ContainerInputs): Record<string, unknown> {
  return {
    RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
    CpuShares: inputs.cpuShares ?? 0,
    Memory: (inputs.memory ?? 0) * MB,
    MemoryReservation: (inputs.memoryReservation ?? 0) * MB,
    CpusetCpus: inputs.cpuSet ?? "",
    ...(inputs.memorySwap ? { MemorySwap: inputs.memorySwap > 0 ? inputs.memorySwap * MB : inputs.memorySwap } : {}),
  };
}

/** The attributes resourceDockerContainerUpdate sends to ContainerUpdate (its `attrs`, less the device throttles the stack never sets). */
export const UPDATABLE = ["restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "cpuSet", "memorySwap"] as const;

/**
 * resourceDockerContainerUpdate: first, when must_run went from false (a refresh found the container stopped)
 * to true and start is set, ContainerStart, without waiting for health (wait applies at create only); then one
 * ContainerUpdate when an UPDATABLE attribute changed. Returns what it did.
 */
export async function updateContainer(id: string, before: ContainerInputs, after: ContainerInputs, api: EngineApi = engine): Promise<boolean> {
  let did = false;
  if (before.mustRun === false && (after.mustRun ?? true) && (after.start ?? true)) {
    await api({ method: "POST", path: `/containers/${id}/start` });
    did = true;
  }
  if (!UPDATABLE.some((k) => before[k] !== after[k])) return did;
  await api({ method: "POST", path: `/containers/${id}/update`, json: updateBody(after) });
  return true;
}

const ignorable = (err: unknown, ...messages: string[]) => err instanceof EngineError && messages.some((m) => err.message.includes(m));

/**
 * resourceDockerContainerDelete: ContainerStop with destroy_grace_seconds (0 when unset), a missing container
 * ignored, unless attach is set (a task that ran to its end); ContainerRemove with force and remove_volumes; then
 * ContainerWait until not running.
 */
export async function deleteContainer(id: string, inputs: ContainerInputs, api: EngineApi = engine): Promise<void> {
  const grace = inputs.destroyGraceSeconds ?? 0;
  if (!inputs.attach)
    await api({ method: "POST", path: `/containers/${id}/stop`, query: { t: grace }, timeoutMs: (grace + 30) * 1000 }).catch((err) => {
      if (!ignorable(err, "No such container")) throw err;
    });
  await api({ method: "DELETE", path: `/containers/${id}`, query: { v: inputs.removeVolumes ?? true, force: true } }).catch((err) => {
    if (!ignorable(err, "No such container", "is already in progress")) throw err;
  });
  await api({ method: "POST", path: `/containers/${id}/wait`, query: { condition: "not-running" }, timeoutMs: 60_000 }).catch((err) => {
    if (!ignorable(err, "No such container", "is already in progress")) throw err;
  });
}

/**
 * resourceDockerNetworkCreate: NetworkCreate with the name, and each option only when set (d.GetOk); v4 has no
 * check_duplicate any more, and sends EnableIPv6 only when ipv6 is true.
 */
export async function createNetwork(inputs: Record<string, any>, engineName: string, api: EngineApi = engine): Promise<string> {
  const r = await api<{ Id: string }>({
    method: "POST",
    path: "/networks/create",
    json: {
      Name: engineName,
      ...(inputs.driver ? { Driver: inputs.driver } : {}),
      ...(inputs.internal ? { Internal: true } : {}),
      ...(inputs.attachable ? { Attachable: true } : {}),
      ...(inputs.ipv6 ? { EnableIPv6: true } : {}),
    },
  });
  return r.Id;
}

/**
 * resourceDockerVolumeCreate: VolumeCreate with the name. resourceDockerVolumeRead (a `.get`, or a refresh):
 * VolumeInspect by name; a volume that is not found leaves the state.
 */
export async function createVolume(name: string, api: EngineApi = engine): Promise<void> {
  await api({ method: "POST", path: "/volumes/create", json: { Name: name } });
}
export async function readVolume(name: string, api: EngineApi = engine): Promise<void> {
  await api({ method: "GET", path: `/volumes/${encodeURIComponent(name)}` });
}

/** resourceDockerImageCreate -> findImage: the image present locally (searchLocalImages), else a pull (no registry here). */
export async function findImage(reference: string, api: EngineApi = engine): Promise<string> {
  try {
    return (await api<{ Id: string }>({ method: "GET", path: `/images/${encodeURIComponent(reference)}/json` })).Id;
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) throw new Error(`${reference}: not on this Engine, and no registry is reachable to pull it`);
    throw err;
  }
}

export const inspectContainer = (id: string, api: EngineApi = engine) => api<any>({ method: "GET", path: `/containers/${encodeURIComponent(id)}/json` });

/** A build context folder as a tar (build.GetContextFromLocalDir, then the archive). The tier's contexts have no .dockerignore. */
async function contextTar(dir: string): Promise<Buffer> {
  if (existsSync(join(dir, ".dockerignore"))) throw new Error(`${dir}: the replay does not apply a .dockerignore (build.ReadDockerignore)`);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
  };
  walk(dir);
  return tarOf(files.map((f) => ({ name: relative(dir, f), mode: statSync(f).mode & 0o777, content: readFileSync(f) })));
}

/** Which builder ran a build, from its answer: BuildKit streams `moby.buildkit.trace` messages, the classic builder `stream` lines. */
export type BuilderSeen = "buildkit" | "classic";

/**
 * resourceDockerImageCreate -> buildImage with `build.use_legacy_builder` true, the stack's choice
 * (services/containers/deployment.ts): legacyBuildDockerImage, i.e. ImageBuild (POST /build) with the
 * context folder as a tar, createImageBuildOptions' fields the stack sets (dockerfile, default `Dockerfile`;
 * target; build args; remove, default true) and the image name as tag; enableBuildKitIfSupported asks for
 * BuildKit (version 2) from API 1.39 on. The provider also opens a BuildKit session, which serves only build
 * secrets and registry auth: the stack passes neither, and the replay opens none. An error message in the
 * answer fails the build (decodeBuildMessages).
 */
export async function buildImage(
  name: string,
  build: { context: string; dockerfile?: string; target?: string; buildArgs?: Record<string, string> },
  api: EngineApi = engine,
): Promise<BuilderSeen> {
  const answer = await api<string>({
    method: "POST",
    path: "/build",
    query: {
      t: name,
      dockerfile: build.dockerfile ?? "Dockerfile",
      target: build.target,
      buildargs: JSON.stringify(build.buildArgs ?? {}),
      rm: 1,
      version: "2",
    },
    body: await contextTar(build.context),
    contentType: "application/x-tar",
    timeoutMs: 600_000,
  });
  const messages = String(answer)
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { id?: string; error?: string; errorDetail?: { message: string } });
  const failed = messages.find((m) => m.error || m.errorDetail);
  if (failed) throw new Error(`build of ${name}: ${failed.errorDetail?.message ?? failed.error}`);
  return messages.some((m) => m.id === "moby.buildkit.trace") ? "buildkit" : "classic";
}

/** A container's state after a refresh, in the inputs' names, for the attributes a diff of this stack can see. */
export type ContainerState = Record<string, unknown>;

/**
 * resourceDockerContainerRead, as `pulumi refresh` (or `up` with refresh) runs it: undefined when no container
 * has the ID any more (fetchDockerContainer lists them all; the resource then leaves the state, and the next
 * `up` creates it again); else what the read sets from ContainerInspect. A stopped container whose state says
 * must_run true is read with must_run false, which the next `up` sees as a change and answers with a start.
 */
export async function readContainer(id: string, stateBefore: ContainerInputs, api: EngineApi = engine): Promise<ContainerState | undefined> {
  const all = await api<{ Id: string }[]>({ method: "GET", path: "/containers/json", query: { all: "true" } });
  if (!all.some((c) => c.Id === id)) return undefined;
  const c = await inspectContainer(id, api);
  const h = c.HostConfig;
  const mustRun = stateBefore.mustRun ?? true;
  return {
    name: String(c.Name).replace(/^\//, ""),
    // The image as given: an ID (sha256:...) reads back as the container's image ID, a reference as Config.Image.
    image: String(stateBefore.image ?? "").startsWith("sha256:") ? c.Image : c.Config.Image,
    mustRun: !c.State.Running && mustRun ? false : mustRun,
    command: c.Config.Cmd ?? undefined,
    entrypoints: c.Config.Entrypoint ?? undefined,
    readOnly: h.ReadonlyRootfs,
    privileged: h.Privileged,
    restart: h.RestartPolicy.Name,
    maxRetryCount: h.RestartPolicy.MaximumRetryCount,
    memory: h.Memory / MB,
    memoryReservation: h.MemoryReservation / MB,
    memorySwap: h.MemorySwap > 0 ? h.MemorySwap / MB : h.MemorySwap,
    shmSize: h.ShmSize / MB,
    cpuShares: h.CpuShares,
    cpuSet: h.CpusetCpus,
    networkMode: h.NetworkMode,
    stopSignal: c.Config.StopSignal || undefined,
    stopTimeout: c.Config.StopTimeout ?? undefined,
  };
}

/** The schema's Default of the attributes readContainer reads (an unset input plans that value). */
const SCHEMA_DEFAULTS: Record<string, unknown> = { mustRun: true, networkMode: "bridge", readOnly: false, restart: "no", memoryReservation: 0 };

/**
 * What `pulumi up` does to a container after a refresh: the inputs the program sets (an unset Optional+Computed
 * input keeps the state's value) that differ from the state, split as the schema splits them (resource_docker_container.go):
 * must_run and UPDATABLE update in place (resourceDockerContainerUpdate), any other is ForceNew and replaces.
 */
export function plannedChange(state: ContainerState, inputs: ContainerInputs): { update: string[]; replace: string[] } {
  const changed = Object.keys(state).filter((k) => {
    const want = inputs[k] ?? SCHEMA_DEFAULTS[k];
    return want !== undefined && JSON.stringify(want) !== JSON.stringify(state[k]);
  });
  const inPlace = new Set<string>(["mustRun", ...UPDATABLE]);
  return { update: changed.filter((k) => inPlace.has(k)), replace: changed.filter((k) => !inPlace.has(k)) };
}

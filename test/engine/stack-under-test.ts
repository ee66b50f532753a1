/**
 * One stack on the real Engine: its stack file with the tier's names (every name carries the tier's
 * prefix), the host folders an operator prepares, its render, the replay of the render and its removal.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dump, load } from "js-yaml";
import { run } from "../../tools/shared/command";
import { sshDial } from "../hosts/ssh-dial";
import { stepAll, type Timeline } from "./steps";
import { loadImages, removeBed, type Bed } from "../hosts/bed";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";
import { engine, engineAt, ENGINE_SOCKET, type EngineApi } from "./engine-api";
import {
  buildImage,
  createContainer,
  createNetwork,
  createVolume,
  deleteContainer,
  findImage,
  plannedChange,
  readContainer,
  readVolume,
  UPDATABLE,
  updateContainer,
  type BuilderSeen,
  type ContainerInputs,
} from "./replay";
import type { EngineRender, EngineResource } from "./render-json";

import { PROJECT_DIR } from "../../tools/shared/stack-file";

export { PROJECT_DIR };
/** Every name the tier creates starts with this (containers, networks, volumes, image tags it builds). */
export { PREFIX } from "./leftovers";
import { ignoreMissing, PREFIX } from "./leftovers";
/**
 * This sandbox's dockerd cannot raise memlock and nofile above its own limits; a real host can. With
 * this option (and only then) the tier lowers those two ulimits to the daemon's, and says so.
 */
export const LOWER_ULIMITS = process.env.ROBOTOFF_ENGINE_LOWER_ULIMITS === "1";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const PROVIDER = "pulumi:providers:docker";

/** The Engine a provider of the render reaches, as the provider reaches it. */
export interface HostEngine {
  readonly api: EngineApi;
  /** The provider's host (ssh://, unix://...); none for the default provider. */
  readonly url?: string;
  /** This machine's default Engine plays this host too: its networks get a suffix (two hosts, one Engine). */
  readonly sharesDefault: boolean;
  readonly close: () => Promise<void>;
}

/** A container the tier created; `initError` when its create failed after the container existed (the provider's init error). */
export interface AppliedContainer {
  readonly id: string;
  readonly inputs: ContainerInputs;
  readonly resource: EngineResource;
  readonly initError?: boolean;
}

/** Something the tier created on one provider's Engine. */
export interface OnHost {
  readonly name: string;
  readonly provider?: string;
}

export interface StackUnderTest {
  /** Stack name (dev, staging, prod) and a label for the tier's names. */
  readonly stack: string;
  readonly label: string;
  /** The stack file with the tier's names, as `--config-file` for render, livecheck and doctor. */
  readonly configFile: string;
  readonly hostRoot: string;
  /** The render last applied whole (updateStack moves it on once an update succeeds). */
  render: EngineRender;
  /** What the tier created, for removal and inspection. */
  readonly containers: Map<string, AppliedContainer>;
  readonly networks: OnHost[];
  readonly volumes: OnHost[];
  readonly builtImages: string[];
  /** Which builder the Engine ran each image build with, by image name. */
  readonly builders: Map<string, BuilderSeen>;
  /** What an operator creates before the first deploy (external volumes, Product Opener's network). */
  readonly operatorVolumes: OnHost[];
  readonly operatorNetworks: OnHost[];
  /** The Engine of each provider of the render, by the provider's logical name ("" for the default one). */
  readonly engines: Map<string, HostEngine>;
  /** When the last applyStack began and ended each resource's step. */
  readonly applied: Timeline;
}

/** The Engine of a resource's provider. */
export function engineOf(sut: Pick<StackUnderTest, "engines">, provider?: string): HostEngine {
  const e = sut.engines.get(provider ?? "");
  if (!e) throw new Error(`no Engine for provider ${provider}: it is not in the render`);
  return e;
}

/**
 * Connects to every provider's host the way the provider does: unix:// through the socket, ssh:// through
 * `ssh <sshOpts> ... docker system dial-stdio` (../hosts/ssh-dial.ts); the default provider is this machine's.
 */
async function connectEngines(render: EngineRender): Promise<Map<string, HostEngine>> {
  const engines = new Map<string, HostEngine>([["", { api: engine, sharesDefault: true, close: async () => {} }]]);
  for (const p of render.resources.filter((r) => r.type === PROVIDER)) {
    const url = String(p.inputs.host ?? "");
    // A provider's nested inputs reach it as JSON text.
    const sshOpts: string[] = typeof p.inputs.sshOpts === "string" ? JSON.parse(p.inputs.sshOpts) : (p.inputs.sshOpts ?? []);
    if (url.startsWith("ssh://")) {
      const dial = await sshDial(url, sshOpts);
      engines.set(p.name, { api: engineAt(dial.socketPath), url, sharesDefault: false, close: dial.close });
    } else if (url.startsWith("unix://")) {
      const socket = url.slice("unix://".length);
      engines.set(p.name, { api: engineAt(socket), url, sharesDefault: socket === ENGINE_SOCKET, close: async () => {} });
    } else throw new Error(`the tier reaches unix:// and ssh:// hosts; provider ${p.name} has ${url}`);
  }
  return engines;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
function merge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b;
  return Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in b ? merge(a[k], b[k]) : a[k]]));
}

/**
 * The stack file with every name the tier creates prefixed and every host folder in a temporary one; `extra`
 * is merged last (the test bed's hosts, say).
 */
export function tierConfig(stackFile: Record<string, any>, hostRoot: string, label: string, extra: Record<string, unknown> = {}): Record<string, any> {
  const cfg = stackFile.config ?? {};
  const dev = cfg["robotoff:dev"]?.enabled === true || cfg["robotoff:environment"] === "dev";
  // Generation 2026-06 names its network and volumes after containerPrefix, as compose after its project.
  const names =
    cfg["robotoff:generation"] === "2026-06"
      ? { "robotoff:commonNet": `${PREFIX}${label}-common_net` }
      : {
          "robotoff:networkName": `${PREFIX}${label}-webnet`,
          "robotoff:volumes": { postgresData: { name: `${PREFIX}${label}-postgres-data` }, esData: { name: `${PREFIX}${label}-es-data` } },
          ...(dev ? { "robotoff:dev": { productOpenerNetwork: `${PREFIX}${label}-po_default` } } : {}),
        };
  const overlay: Record<string, unknown> = {
    "robotoff:hostRoot": hostRoot,
    "robotoff:containerPrefix": `${PREFIX}${label}`,
    ...names,
    ...(cfg["robotoff:tfServing"]?.modelsDir ? { "robotoff:tfServing": { modelsDir: join(hostRoot, "ml", "tf_models") } } : {}),
    // Every Docker host of robotoff:hosts is this machine's Engine; containers elsewhere still name it as before.
    ...(cfg["robotoff:hosts"]
      ? {
          "robotoff:hosts": Object.fromEntries(
            Object.entries(cfg["robotoff:hosts"] as Record<string, { url?: string; address?: string }>).map(([name, h]) => [
              name,
              { url: `unix://${ENGINE_SOCKET}`, address: h.address ?? (h.url ? new URL(h.url).hostname : undefined) },
            ]),
          ),
        }
      : {}),
  };
  return { ...stackFile, config: merge(merge(cfg, overlay), extra) };
}

/**
 * A Dockerfile for the dev build (docker/dev.yml's target runtime-dev) on top of the app's stand-in. A later stage
 * follows it, which a build that ignored the target would produce; the build args land in a label.
 */
function devDockerfile(base: string): string {
  return [
    `FROM ${base} AS runtime-dev`,
    "ARG OFF_UID",
    "ARG OFF_GID",
    "ARG PYTHON_VERSION",
    "LABEL org.openfoodfacts.robotoff.stand-in=1 org.openfoodfacts.robotoff.stage=runtime-dev org.openfoodfacts.robotoff.build-args=$OFF_UID:$OFF_GID:$PYTHON_VERSION",
    `FROM ${base} AS runtime-after`,
    "LABEL org.openfoodfacts.robotoff.stand-in=1 org.openfoodfacts.robotoff.stage=runtime-after",
    "",
  ].join("\n");
}

/** A models.config as robotoff-models releases ship it: one model, by name and folder. */
export const MODELS_CONFIG = `model_config_list {
  config {
    name: "universal-logo-detector"
    base_path: "/models/universal-logo-detector"
    model_platform: "tensorflow"
  }
}
`;

/** Creates what the render's bind mounts need (an operator's preparation), files where the name says file. */
function prepareHostFolders(render: EngineRender): void {
  for (const c of render.resources.filter((r) => r.type === CONTAINER)) {
    for (const v of c.inputs.volumes ?? []) {
      if (!v.hostPath || existsSync(v.hostPath)) continue;
      const looksLikeFile = /^[^.].*\.[a-z]+$/i.test(v.hostPath.split("/").pop()!);
      mkdirSync(looksLikeFile ? dirname(v.hostPath) : v.hostPath, { recursive: true });
      if (looksLikeFile) writeFileSync(v.hostPath, "");
      if (v.containerPath === "/models") writeFileSync(join(v.hostPath, "models.config"), MODELS_CONFIG);
    }
    // fasttext loads its model file at start (2026-06): the operator downloads lid.176.bin into the models folder.
    const model = (c.inputs.entrypoints ?? []).find((a: string) => a.startsWith("--model=/models/"));
    const models = (c.inputs.volumes ?? []).find((v: any) => v.containerPath === "/models");
    if (model && models?.hostPath && !existsSync(join(models.hostPath, model.slice("--model=/models/".length)))) {
      mkdirSync(models.hostPath, { recursive: true });
      writeFileSync(join(models.hostPath, model.slice("--model=/models/".length)), "stand-in fastText model\n");
    }
  }
}

export function renderForEngine(stack: string, configFile: string): EngineRender {
  const out = execFileSync(process.execPath, ["--require", join(PROJECT_DIR, "tools/register.js"), join(__dirname, "render-json.ts"), stack, configFile], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as EngineRender;
}

/** Renders the stack with the tier's names, and prepares the host as the README tells an operator to. */
export async function prepareStack(
  stack: string,
  label: string,
  stackFilePath = join(PROJECT_DIR, `Pulumi.${stack}.yaml`),
  extra: Record<string, unknown> = {},
): Promise<StackUnderTest> {
  const hostRoot = mkdtempSync(join(tmpdir(), `${PREFIX}${label}-`));
  const configFile = `${hostRoot}.yaml`;
  writeFileSync(configFile, dump(tierConfig(load(readFileSync(stackFilePath, "utf8")) as Record<string, any>, hostRoot, label, extra)));
  const render = renderForEngine(stack, configFile);
  prepareHostFolders(render);
  const sut: StackUnderTest = {
    stack,
    label,
    configFile,
    hostRoot,
    render,
    containers: new Map(),
    networks: [],
    volumes: [],
    builtImages: [],
    builders: new Map(),
    applied: new Map(),
    operatorVolumes: [],
    operatorNetworks: [],
    engines: await connectEngines(render),
  };
  // docker/prod.yml's external volumes: `make create_external_volumes`, before the first deploy.
  for (const v of render.resources.filter((r) => r.type === VOLUME && r.id)) {
    await createVolume(v.id!, engineOf(sut, v.provider).api);
    sut.operatorVolumes.push({ name: v.id!, provider: v.provider });
  }
  // Product Opener's network (dev): its own stack creates it.
  for (const c of render.resources.filter((r) => r.type === CONTAINER)) {
    for (const n of (c.inputs.networksAdvanced ?? []).slice(1)) {
      if (sut.operatorNetworks.some((x) => x.name === n.name && x.provider === c.provider)) continue;
      await createNetwork({}, n.name, engineOf(sut, c.provider).api);
      sut.operatorNetworks.push({ name: n.name, provider: c.provider });
    }
  }
  return sut;
}

/** The Engine name of a stack network: a host that this machine's Engine plays beside the default one gets a suffix. */
const engineNetworkName = (sut: Pick<StackUnderTest, "engines">, name: string, provider?: string) =>
  provider && engineOf(sut, provider).sharesDefault ? `${name}.${provider}` : name;

/** The daemon's own limits, from a throwaway container (what a container gets without --ulimit). */
export async function daemonUlimits(probeImage: string): Promise<{ nofile: number; memlockKb: number }> {
  const r = await run("docker", ["run", "--rm", "--network", "none", probeImage, "sh", "-c", "ulimit -Hn; ulimit -Hl"]);
  const [nofile, memlock] = r.stdout.split("\n").map((l) => l.trim());
  if (r.code !== 0) throw new Error(`could not read the daemon's limits: ${r.stderr}`);
  return { nofile: Number(nofile), memlockKb: memlock === "unlimited" ? -1 : Number(memlock) };
}

/** The ulimits the tier may lower (only with LOWER_ULIMITS), and the line it logs when it does. */
export function lowerUlimits(inputs: ContainerInputs, daemon: { nofile: number; memlockKb: number }): { inputs: ContainerInputs; changed: string[] } {
  const changed: string[] = [];
  const ulimits = (inputs.ulimits ?? []).flatMap((u: any) => {
    if (u.name === "memlock" && daemon.memlockKb !== -1 && (u.hard === -1 || u.hard > daemon.memlockKb * 1024)) {
      changed.push(`memlock ${u.soft}:${u.hard} dropped (daemon's limit ${daemon.memlockKb} KB)`);
      return [];
    }
    if (u.name === "nofile" && u.hard > daemon.nofile) {
      changed.push(`nofile ${u.soft}:${u.hard} -> ${daemon.nofile} (daemon's limit)`);
      return [{ ...u, soft: Math.min(u.soft, daemon.nofile), hard: daemon.nofile }];
    }
    return [u];
  });
  return { inputs: { ...inputs, ulimits }, changed };
}

/** Each provider pulls its own images: an image's key is its host's provider and its reference. */
const imageOn = (provider: string | undefined, reference: string) => `${provider ?? ""} ${reference}`;

export interface ApplyOptions {
  readonly log: (line: string) => void;
  readonly daemon?: { nofile: number; memlockKb: number };
  /** Called before each resource is applied (a test's fault goes here). */
  readonly before?: (r: EngineResource) => Promise<void>;
  /**
   * `pulumi up` after a failed one: what the state holds stays (networks, volumes, containers that were
   * created whole), a container whose create failed half-way is replaced (#initerror), the rest is created.
   */
  readonly resume?: boolean;
  /**
   * As `pulumi up --parallel <n>`: at most that many resources at once (1: one after the other, in the render's
   * order). Unset: unbounded, as `pulumi up` by default.
   */
  readonly parallel?: number;
}

/**
 * Applies the render as `pulumi up` would on a fresh stack (or, with resume, after a failed one), stepped as the
 * Pulumi engine steps it (steps.ts).
 */
export async function applyStack(sut: StackUnderTest, opts: ApplyOptions): Promise<void> {
  const imageIds = new Map<string, string>();
  const step = async (r: EngineResource) => {
    await opts.before?.(r);
    await applyResource(sut, r, opts, imageIds);
  };
  await stepAll(sut.render.resources, step, sut.applied, opts.parallel);
}

async function applyResource(sut: StackUnderTest, r: EngineResource, opts: ApplyOptions, imageIds: Map<string, string>): Promise<void> {
  const inState = (list: OnHost[], name: string, provider?: string) => opts.resume && list.some((x) => x.name === name && x.provider === provider);
  switch (r.type) {
    case NETWORK: {
      const name = engineNetworkName(sut, r.inputs.name, r.provider);
      if (inState(sut.networks, name, r.provider)) break;
      await createNetwork(r.inputs, name, engineOf(sut, r.provider).api);
      sut.networks.push({ name, provider: r.provider });
      break;
    }
    case VOLUME:
      if (r.id) await readVolume(r.id, engineOf(sut, r.provider).api);
      else if (!inState(sut.volumes, r.inputs.name, r.provider)) {
        await createVolume(r.inputs.name, engineOf(sut, r.provider).api);
        sut.volumes.push({ name: r.inputs.name, provider: r.provider });
      }
      break;
    case IMAGE: {
      const build = r.inputs.build;
      if (build) {
        if (r.provider) throw new Error(`the tier builds images on the default Engine only; ${r.inputs.name} is on ${r.provider}`);
        if (!build.useLegacyBuilder) throw new Error(`${r.inputs.name}: the tier replays the builder the stack names (useLegacyBuilder), not buildx's`);
        sut.builders.set(r.inputs.name, await buildImage(r.inputs.name, build));
        sut.builtImages.push(r.inputs.name);
      }
      imageIds.set(imageOn(r.provider, r.inputs.name), await findImage(r.inputs.name, engineOf(sut, r.provider).api));
      break;
    }
    case CONTAINER: {
      const inputs = tierInputs(r.inputs, opts);
      // Each provider pulls its own images: a container runs the image pulled on its own host.
      const imageId = imageIds.get(imageOn(r.provider, inputs.image));
      if (!imageId) throw new Error(`${inputs.name} runs ${inputs.image}, which no RemoteImage of the render provides on its host`);
      const api = engineOf(sut, r.provider).api;
      const recorded = opts.resume ? sut.containers.get(r.key) : undefined;
      if (recorded && !recorded.initError) break; // created whole by the failed deploy: in the state, unchanged
      if (recorded) {
        opts.log(`${inputs.name}: replaced (#initerror: its create failed half-way)`);
        await deleteContainer(recorded.id, recorded.inputs, api).catch(ignoreMissing);
        sut.containers.delete(r.key);
      }
      await createRecorded(sut, r, inputs, imageId, opts.log);
      break;
    }
    default:
      break; // providers and generated passwords: nothing on the Engine
  }
}

/**
 * How many resources a deploy steps at once, read from deploy.yml's `pulumi up` (pulumi/actions `parallel`). Unbounded,
 * each step's Engine calls to a host over ssh open connections side by side, and an sshd with the default MaxStartups
 * (10:30:100) drops some before they authenticate ("socket hang up"; kreuzwerker/terraform-provider-docker#262).
 */
export const SSH_PARALLEL: number = (() => {
  const deploy = load(readFileSync(join(PROJECT_DIR, ".github/workflows/deploy.yml"), "utf8")) as any;
  const up = (deploy.jobs.deploy.steps as any[]).find((s) => String(s.uses).startsWith("pulumi/actions") && s.with?.command === "up");
  const parallel = Number(up?.with?.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error("deploy.yml's pulumi up step names no parallel count");
  return parallel;
})();

/**
 * A stack on the test bed, as a deploy there goes: the stand-ins made here, then each host given the images its
 * provider pulls (no registry on the bed) and the probe image, then the render applied. Adds each reference to
 * `used`; returns what the apply threw, for a test to assert.
 */
export async function applyOnBed(sut: StackUnderTest, bed: Bed, opts: { log: (line: string) => void; probe: string; used: Set<string> }): Promise<unknown> {
  const images = sut.render.outputs.images as Record<string, string>;
  await ensureStandIns(images, { log: opts.log, extraTags: { probe: opts.probe } });
  for (const reference of [...Object.values(images), opts.probe]) opts.used.add(reference);
  for (const h of bed.hosts) {
    const provider = [...sut.engines.entries()].find(([, e]) => e.url === h.sshUrl)?.[0];
    const refs = sut.render.resources.filter((r) => r.type === IMAGE && r.provider === provider).map((r) => r.inputs.name as string);
    opts.log(`loading on ${h.name}: ${refs.join(", ")}`);
    await loadImages(h, [...new Set([...refs, opts.probe])]);
  }
  try {
    await applyStack(sut, { log: opts.log, daemon: await daemonUlimits(opts.probe), parallel: SSH_PARALLEL });
    return undefined;
  } catch (err) {
    return err;
  }
}

/** After applyOnBed: the stack removed (a failure logged), then the bed, then the stand-in tags it used. */
export async function removeFromBed(sut: StackUnderTest | undefined, used: ReadonlySet<string>, log: (line: string) => void): Promise<void> {
  if (sut) await removeStack(sut).catch((err) => log(`removing the stack: ${err}`));
  await removeBed(log);
  await removeStandInTags([...used]);
}

/** A container's inputs as the tier sends them: its ulimits lowered to the daemon's with LOWER_ULIMITS (and only then), said in the log. */
function tierInputs(inputs: ContainerInputs, opts: Pick<ApplyOptions, "log" | "daemon">): ContainerInputs {
  if (!LOWER_ULIMITS || !opts.daemon) return inputs;
  const lowered = lowerUlimits(inputs, opts.daemon);
  for (const line of lowered.changed) opts.log(`ROBOTOFF_ENGINE_LOWER_ULIMITS: ${inputs.name}: ${line}`);
  return lowered.inputs;
}

/** Creates a container and records it, as the state would: whole, or half-created (an init error) when its create failed after it existed. */
async function createRecorded(sut: StackUnderTest, r: EngineResource, inputs: ContainerInputs, imageId: string, log: (line: string) => void): Promise<void> {
  let id: string | undefined;
  try {
    const api = engineOf(sut, r.provider).api;
    const created = await createContainer(inputs, imageId, { networkName: (n) => engineNetworkName(sut, n, r.provider), log, api, onCreated: (x) => (id = x) });
    sut.containers.set(r.key, { id: id!, inputs, resource: r });
    // The program's wait for a one-off task (services/containers/service.ts completed): a non-zero exit code
    // fails the run before anything that waits for the task is registered.
    if (created.exitCode !== undefined && created.exitCode !== 0)
      throw new Error(`${inputs.name} exited with code ${created.exitCode}; nothing that waits for it was replaced. Its log:\n${created.logs ?? ""}`);
  } catch (err) {
    if (id) sut.containers.set(r.key, { id, inputs, resource: r, initError: true });
    throw err;
  }
}

/** The stack file of `sut` with `change` applied to its config, rendered again: what the next `pulumi up` is given. */
export function rerender(sut: StackUnderTest, change: (config: Record<string, any>) => void): EngineRender {
  const doc = load(readFileSync(sut.configFile, "utf8")) as { config: Record<string, any> };
  change(doc.config);
  writeFileSync(sut.configFile, dump(doc));
  return renderForEngine(sut.stack, sut.configFile);
}

/**
 * `pulumi up` from what the tier applied to `next` (containers and images; networks and volumes must not change),
 * as the engine and the provider do it, one resource after the other in the render's order:
 * - a RemoteImage whose reference the host lacks fails the update (the provider's pull fails) before any
 *   container that runs it is touched;
 * - a container whose inputs changed only where the provider updates in place is updated; any other change, or
 *   an init error left by a failed create, replaces it: deleted first (deleteBeforeReplace, with its destroy
 *   grace), then created, and waited for where it waits;
 * - containers `next` no longer declares are deleted at the end, dependents first.
 * It stops at the first failure, as `pulumi up` does; what it replaced by then stays replaced.
 */
export async function updateStack(sut: StackUnderTest, next: EngineRender, opts: Pick<ApplyOptions, "log" | "daemon">): Promise<void> {
  const imageIds = new Map<string, string>();
  for (const r of next.resources) {
    if (r.type === IMAGE) {
      const id = await findImage(r.inputs.name, engineOf(sut, r.provider).api).catch(() => undefined);
      if (!id) throw new Error(`${r.name}: Unable to pull image ${r.inputs.name}: not found on its Docker host`);
      imageIds.set(imageOn(r.provider, r.inputs.name), id);
    }
    if (r.type !== CONTAINER) continue;
    const api = engineOf(sut, r.provider).api;
    const inputs = tierInputs(r.inputs, { ...opts, log: () => {} });
    const imageId = imageIds.get(imageOn(r.provider, inputs.image))!;
    const before = sut.containers.get(r.key);
    if (before && !before.initError) {
      const changed = Object.keys({ ...before.inputs, ...inputs }).filter((k) => JSON.stringify(before.inputs[k]) !== JSON.stringify(inputs[k]));
      if (changed.length === 0) continue;
      if (changed.every((k) => (UPDATABLE as readonly string[]).includes(k))) {
        await updateContainer(before.id, before.inputs, inputs, api);
        sut.containers.set(r.key, { ...before, inputs, resource: r });
        opts.log(`${inputs.name}: updated (${changed.join(", ")})`);
        continue;
      }
      opts.log(`${inputs.name}: replacing (${changed.join(", ")})`);
    }
    if (before) {
      await deleteContainer(before.id, before.inputs, api).catch(ignoreMissing);
      sut.containers.delete(r.key);
    }
    await createRecorded(sut, r, inputs, imageId, opts.log);
  }
  const declared = new Set(next.resources.map((r) => r.key));
  for (const [key, c] of [...sut.containers].reverse()) {
    if (declared.has(key)) continue;
    await deleteContainer(c.id, c.inputs, engineOf(sut, c.resource.provider).api).catch(ignoreMissing);
    sut.containers.delete(key);
  }
  sut.render = next;
}

/**
 * `pulumi up` with a refresh first (Pulumi.yaml's `options.refresh: always`), over the containers the tier
 * applied, with nothing changed in the program: each container is read as the provider reads it (readContainer),
 * then planned against the render's inputs (plannedChange). A container gone from the Engine left the state and
 * is created again; a stopped one is started (must_run); a changed limit or restart policy is updated in place;
 * any other difference replaces it. Returns a line per container it touched.
 */
export async function refreshStack(sut: StackUnderTest, opts: Pick<ApplyOptions, "log" | "daemon">): Promise<string[]> {
  const done: string[] = [];
  const imageIds = new Map<string, string>();
  for (const r of sut.render.resources) {
    if (r.type === IMAGE) imageIds.set(imageOn(r.provider, r.inputs.name), await findImage(r.inputs.name, engineOf(sut, r.provider).api));
    if (r.type !== CONTAINER) continue;
    const api = engineOf(sut, r.provider).api;
    const inputs = tierInputs(r.inputs, { ...opts, log: () => {} });
    // The program's `image` is the RemoteImage's imageId (sha256:...); the render holds its reference in its place.
    const imageId = imageIds.get(imageOn(r.provider, inputs.image))!;
    const before = sut.containers.get(r.key);
    const state = before && (await readContainer(before.id, { ...before.inputs, image: imageId }, api));
    if (!state) {
      sut.containers.delete(r.key);
      await createRecorded(sut, r, inputs, imageId, opts.log);
      done.push(`${inputs.name}: created (it was not on its Engine)`);
      continue;
    }
    const { update, replace } = plannedChange(state, { ...inputs, image: imageId });
    if (replace.length) {
      await deleteContainer(before.id, before.inputs, api);
      sut.containers.delete(r.key);
      await createRecorded(sut, r, inputs, imageId, opts.log);
      done.push(`${inputs.name}: replaced (${replace.join(", ")})`);
    } else if (update.length) {
      await updateContainer(before.id, { ...before.inputs, ...state }, inputs, api);
      sut.containers.set(r.key, { ...before, inputs });
      done.push(`${inputs.name}: updated (${update.join(", ")})`);
    }
  }
  for (const line of done) opts.log(line);
  return done;
}

/** Volumes Docker created for a container's image VOLUMEs that no named volume covers (they have no name). */
async function anonymousVolumes(api: EngineApi, id: string, named: readonly string[]): Promise<string[]> {
  const c = await api<any>({ method: "GET", path: `/containers/${id}/json` }).catch(() => undefined);
  return (c?.Mounts ?? []).filter((m: any) => m.Type === "volume" && !named.includes(m.Name) && /^[0-9a-f]{64}$/.test(m.Name)).map((m: any) => m.Name);
}

/** Removes what the stack and the operator created, containers first (reverse order), then the host folders. */
export async function removeStack(sut: StackUnderTest): Promise<void> {
  // The provider keeps them (removeVolumes: false, as compose's down does); the tier made them, so it removes them.
  const anonymous: OnHost[] = [];
  const named = [...sut.volumes, ...sut.operatorVolumes].map((v) => v.name);
  for (const c of [...sut.containers.values()].reverse()) {
    const api = engineOf(sut, c.resource.provider).api;
    anonymous.push(...(await anonymousVolumes(api, c.id, named)).map((name) => ({ name, provider: c.resource.provider })));
    await deleteContainer(c.id, c.inputs, api).catch(ignoreMissing);
  }
  const remove = (kind: string, x: OnHost) =>
    engineOf(sut, x.provider)
      .api({ method: "DELETE", path: `/${kind}/${encodeURIComponent(x.name)}` })
      .catch(ignoreMissing);
  for (const v of anonymous) await remove("volumes", v);
  for (const n of [...sut.networks, ...sut.operatorNetworks]) await remove("networks", n);
  for (const v of [...sut.volumes, ...sut.operatorVolumes]) await remove("volumes", v);
  for (const i of sut.builtImages) await engine({ method: "DELETE", path: `/images/${encodeURIComponent(i)}` }).catch(ignoreMissing);
  for (const e of sut.engines.values()) await e.close();
  rmSync(sut.hostRoot, { recursive: true, force: true });
  rmSync(sut.configFile, { force: true });
}

export { devDockerfile };

/** Runs the real program (index.ts) under the Pulumi SDK's mocks, for one stack per test file. */
import { join, resolve } from "node:path";
import { loadRuntimeConfig } from "../tools/stack-file";
import { runOffline, Secret, type OfflineOptions, type RecordedResource, type Rendered } from "../tools/offline";

export const PROJECT_DIR = resolve(__dirname, "..");

let rendered: { key: string; result: Promise<Rendered> } | undefined;

/**
 * The program can run once per process (the SDK keeps global state, Node caches the module): a test
 * file renders one stack, shared by all its describes.
 */
export function renderStack(stack: string, configFile?: string, opts?: OfflineOptions): Promise<Rendered> {
  const key = JSON.stringify([stack, configFile, opts?.imageIdOf?.toString()]);
  if (rendered && rendered.key !== key) throw new Error(`this test file already rendered ${rendered.key}`);
  rendered ??= { key, result: runOffline(loadRuntimeConfig(PROJECT_DIR, stack, configFile), join(PROJECT_DIR, "index.ts"), { ...opts, analyze: true }) };
  return rendered.result;
}

export const CONTAINER = "docker:index/container:Container";
export const IMAGE = "docker:index/remoteImage:RemoteImage";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";

export const ofType = (r: Rendered, type: string) => r.resources.filter((x) => x.type === type);

/** The container of a compose service, found by its DNS alias on the stack network. */
export function containerOf(r: Rendered, service: string): RecordedResource {
  const found = ofType(r, CONTAINER).filter((c) =>
    (c.inputs.networksAdvanced as any[] | undefined)?.some((n) => n.aliases?.includes(service)),
  );
  if (found.length !== 1) throw new Error(`${found.length} containers with alias ${service}`);
  return found[0];
}

/** A container's environment as a map, and whether the list was registered as a secret. */
export function envOf(c: RecordedResource): { vars: Record<string, string>; secret: boolean } {
  const raw = c.inputs.envs;
  const secret = raw instanceof Secret;
  const list = ((secret ? (raw as Secret).value : raw) ?? []) as string[];
  if (list.some((e: unknown) => e instanceof Secret)) throw new Error("a secret inside envs: the list itself must be secret");
  const vars = Object.fromEntries(list.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  if (Object.keys(vars).length !== list.length) throw new Error(`duplicate variable in ${list.join(" ")}`);
  return { vars, secret };
}

export const keyOf = (r: RecordedResource) => `${r.type}::${r.name}`;

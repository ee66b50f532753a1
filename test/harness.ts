/**
 * Runs the real program (index.ts) under the Pulumi SDK's mocks, in this process, for any number of
 * stacks and configs: one run at a time (the SDK's state is global), each with the program's own
 * modules evaluated afresh (the SDK stays loaded).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { dump, load } from "js-yaml";
import { beforeAll, beforeEach, vi } from "vitest";
import { loadRuntimeConfig, type RuntimeConfig } from "../tools/shared/stack-file";
import { runOffline, type OfflineOptions, type RecordedResource, type Rendered } from "../tools/render/offline";
import { Secret } from "../tools/render/secret";

import { PROJECT_DIR } from "../tools/shared/stack-file";
import { shellQuote } from "../models/shell";
import { activeMutant, credit, measured } from "./mutation-coverage";

export { PROJECT_DIR };
const INDEX = join(PROJECT_DIR, "index.ts");

/** A file `name` holding `text`, in a folder of its own (under `dir`, by default the run's scratch folder, test/global-setup.ts). */
export function scratchFile(name: string, text: string, dir = mkdtempSync(join(tmpdir(), "robotoff-stack-"))): string {
  const file = join(mkdtempSync(join(dir, "stack-")), name);
  writeFileSync(file, text);
  return file;
}

/** A copy of the stack file `source` with `change` applied to its config, written by scratchFile as `name`; returns its path. */
export function stackFileWith(source: string, change: (config: Record<string, any>) => void, name = basename(source), dir?: string): string {
  const doc = load(readFileSync(source, "utf8")) as { config: Record<string, any> };
  change(doc.config);
  return scratchFile(name, dump(doc), dir);
}

/**
 * A docker CLI that fails for the Docker host `url` (`-H <url>`), saying `stderr` as the real CLI did, and is
 * test/fixtures/fake-docker.sh for every other host.
 */
export function dockerFailingFor(url: string, stderr: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "robotoff-docker-")), "docker");
  const fake = join(__dirname, "fixtures/fake-docker.sh");
  writeFileSync(file, `#!/bin/sh\n[ "$2" = ${shellQuote(url)} ] && { echo ${shellQuote(stderr)} >&2; exit 1; }\nexec ${shellQuote(fake)} "$@"\n`, {
    mode: 0o755,
  });
  return file;
}

let running: Promise<unknown> = Promise.resolve();

/** Runs `programPath` (index.ts by default) with `cfg`, after every run started before it has ended. */
export async function renderProgram(cfg: RuntimeConfig, programPath = INDEX, opts?: OfflineOptions): Promise<Rendered> {
  const { value, covered } = await renderMeasured(cfg, programPath, opts);
  credit(covered);
  return value;
}

/**
 * Runs `fn` with Error.stackTraceLimit 0. The SDK records `new Error().stack` on every promise it makes
 * (@pulumi/pulumi runtime/debuggable.js, debuggablePromise), and in a vitest worker each frame goes through
 * vite's source-map stack rewriting: about a quarter of the suite's CPU time. Nothing reads those stacks here
 * (the SDK prints them for leaked promises, only with PULUMI_DEBUG_PROMISE_LEAKS); ROBOTOFF_TEST_STACKS=1 keeps
 * them, for a render that fails with an error of its own.
 */
async function withoutStackTraces<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.ROBOTOFF_TEST_STACKS === "1") return fn();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function renderMeasured(cfg: RuntimeConfig, programPath: string, opts?: OfflineOptions) {
  const fresh = () => {
    vi.resetModules(); // the program's modules, not the SDK (node_modules are not in vitest's registry)
    return import(programPath);
  };
  const result = running.then(() => measured(() => withoutStackTraces(() => runOffline(cfg, fresh, { ...opts, analyze: true }))));
  running = result.catch(() => undefined);
  return result;
}

/**
 * The exports `load` gathers, imported afresh in a beforeAll before the file's tests run: what a module builds
 * when it is evaluated (the config schema, a regular expression) then holds a mutation run's mutant, which
 * StrykerJS switches on after vitest has imported the test file. One module graph, so that an error class is
 * the one the functions throw. Read them in tests and hooks, not while vitest collects.
 */
export function freshModules<T extends object>(load: () => Promise<T>): T {
  let loaded: T | undefined;
  beforeAllTests(async () => {
    vi.resetModules();
    loaded = await load();
  });
  return new Proxy({} as T, {
    get: (_, key) => {
      if (!loaded) throw new Error(`${String(key)} read before the file's beforeAll imported it`);
      return loaded[key as keyof T];
    },
  });
}

/**
 * beforeAll, whose failure fails each test it precedes. vitest skips the tests of a failed beforeAll, and
 * StrykerJS counts skipped tests as passing: a mutant that makes an import or a render throw would survive.
 */
export function beforeAllTests(fn: () => unknown): void {
  let failed: { error: unknown } | undefined;
  beforeAll(async () => {
    try {
      await fn();
    } catch (error) {
      failed = { error };
    }
  });
  beforeEach(() => {
    if (failed) throw failed.error;
  });
}

const rendered = new Map<string, Promise<{ value: Rendered; covered: string[] }>>();
let renderedUnder: string | undefined;

/**
 * A stack rendered from its stack file (or `configFile`), once per set of arguments in a worker; under a
 * mutation run, once per mutant (StrykerJS switches mutants in one worker: stryker.config.json), and every
 * caller is credited with the mutants the render covered (test/mutation-coverage.ts).
 */
export async function renderStack(stack: string, configFile?: string, opts?: OfflineOptions): Promise<Rendered> {
  const mutant = activeMutant();
  if (mutant !== renderedUnder) rendered.clear(); // a render made under another mutant is of another program
  renderedUnder = mutant;
  const key = JSON.stringify([stack, configFile, opts?.imageIdOf?.toString()]);
  if (!rendered.has(key)) rendered.set(key, renderMeasured(loadRuntimeConfig(PROJECT_DIR, stack, configFile), INDEX, opts));
  const { value, covered } = await rendered.get(key)!;
  credit(covered);
  return value;
}

export const CONTAINER = "docker:index/container:Container";
export const IMAGE = "docker:index/remoteImage:RemoteImage";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";

export const ofType = (r: Rendered, type: string) => r.resources.filter((x) => x.type === type);

/** The containers of a compose service, found by its DNS alias on the stack network: one, or each copy of the api. */
export function containersOfService(r: Rendered, service: string): RecordedResource[] {
  return ofType(r, CONTAINER).filter((c) => (c.inputs.networksAdvanced as any[] | undefined)?.some((n) => n.aliases?.includes(service)));
}

/** The container of a compose service that runs one (the first copy of one that runs several). */
export function containerOf(r: Rendered, service: string): RecordedResource {
  const found = containersOfService(r, service);
  if (found.length === 0) throw new Error(`no container with alias ${service}`);
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

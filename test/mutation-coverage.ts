/**
 * Who covers what, for StrykerJS's per-test coverage (stryker.config.json, coverageAnalysis "perTest").
 *
 * The harness renders a stack once and many tests read that render; StrykerJS would credit its coverage to the
 * one test (or the beforeAll hook, as "static") that happened to render it first. A mutant would then run
 * only with that test, or with the whole suite. Here every test that reads a render is credited with the
 * mutants the render covered, and what a file's hooks cover is credited to the file's tests, not to
 * "static". A mutant is switched on when a file's tests start (the runtime activation of @stryker-mutator/
 * vitest-runner); the render evaluates the program's modules afresh (test/harness.ts), so a mutant in
 * module-level code is active in it.
 *
 * The counters are the instrumenter's own (`__stryker__.mutantCoverage`, updated in place: the instrumented code
 * holds that object). Outside a mutation run, or in a mutant run, every function here does nothing.
 */
type Counts = Record<string, number>;
interface StrykerNamespace {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: { static: Counts; perTest: Record<string, Counts> };
}

const stryker = () => (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;
const STATE = Symbol.for("robotoff.mutation-coverage");
/**
 * Mutants the running file's hooks covered, credited to each of its tests. On globalThis: the renders reset
 * vitest's modules, so later files may load another instance of this module than the setup file holds.
 */
const hookCoverage = (): Set<string> => ((globalThis as any)[STATE] ??= new Set<string>());

/** The mutant a mutation run has switched on, if any. */
export const activeMutant = (): string | undefined => stryker()?.activeMutant;

/** The coverage counters while StrykerJS measures coverage (its dry run), else undefined. */
function counting(): StrykerNamespace | undefined {
  const ns = stryker();
  return ns?.mutantCoverage && ns.activeMutant === undefined ? ns : undefined;
}

const bucketOf = (ns: StrykerNamespace): Counts => (ns.currentTestId ? (ns.mutantCoverage!.perTest[ns.currentTestId] ??= {}) : ns.mutantCoverage!.static);

/** Runs `work` and returns the mutants it covered (none outside a coverage run). */
export async function measured<T>(work: () => Promise<T>): Promise<{ value: T; covered: string[] }> {
  const ns = counting();
  if (!ns) return { value: await work(), covered: [] };
  const before = { ...bucketOf(ns) };
  const value = await work();
  const bucket = bucketOf(ns);
  const covered = Object.keys(bucket).filter((id) => bucket[id] !== before[id]);
  return { value, covered };
}

/** Credits `covered` to the running test, or, in a hook, to every test of the file. */
export function credit(covered: readonly string[]): void {
  const ns = counting();
  if (!ns || covered.length === 0) return;
  if (ns.currentTestId) {
    const bucket = bucketOf(ns);
    for (const id of covered) bucket[id] = (bucket[id] ?? 0) + 1;
  } else {
    for (const id of covered) hookCoverage().add(id);
  }
}

/**
 * Moves what the file's hooks covered since the last call (StrykerJS counts it as "static") to the file's
 * tests. With `discard`, drops it instead: what a file covers while vitest collects it (its imports, its
 * describe blocks) ran before StrykerJS switched the mutant on, so it cannot kill it.
 */
function takeStatic(discard: boolean): void {
  const ns = counting();
  if (!ns) return;
  const covered = ns.mutantCoverage!.static;
  for (const id of Object.keys(covered)) {
    if (!discard) hookCoverage().add(id);
    delete covered[id];
  }
}

/**
 * Switches the mutant off while vitest collects a file: StrykerJS switches it on in a hook when the tests
 * start, and would otherwise leave on, during collection, the mutant of the previous file or of the previous
 * run in this worker.
 */
export function collectWithoutMutant(): void {
  const ns = stryker();
  if (ns) ns.activeMutant = undefined;
}

/** vitest hooks of test/mutation-setup.ts (after StrykerJS's own, which names the running test). */
export function startFile(): void {
  takeStatic(true);
  hookCoverage().clear();
}
export function startTest(): void {
  takeStatic(false);
  credit([...hookCoverage()]);
}
export function endFile(): void {
  takeStatic(true);
}

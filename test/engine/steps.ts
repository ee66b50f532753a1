/**
 * How the Pulumi engine steps a deployment, for the replays: a resource begins once every resource it waits for is
 * done, independent ones side by side (`pulumi up`'s --parallel is unbounded by default); after a failure nothing new
 * begins, what is in flight runs to its end, and the deployment fails with the first error.
 */
export interface Stepped {
  readonly key: string;
  /** Keys of the resources it waits for (explicit and implicit dependencies): listed before it, or applied already. */
  readonly waitsFor: readonly string[];
}

/** When each resource's step began and ended (Date.now()), by key. */
export type Timeline = Map<string, { readonly began: number; readonly ended: number }>;

/** Skips a resource whose dependency failed, or that had not begun when another failed. */
const NOT_RUN = Symbol("not run");

/**
 * Runs `step` for every resource as the engine would, recording each in `timeline`. `parallel`: as `pulumi up
 * --parallel <n>`, at most that many steps at once (1: one after the other, in their order); unbounded by default.
 */
export async function stepAll<T extends Stepped>(
  resources: readonly T[],
  step: (r: T) => Promise<void>,
  timeline: Timeline,
  parallel = Infinity,
): Promise<void> {
  timeline.clear();
  let failure: { error: unknown } | undefined;
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = () => (running < parallel ? (running++, Promise.resolve()) : new Promise<void>((go) => queue.push(go)));
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  const timed = async (r: T) => {
    await slot();
    try {
      // A step that waited for a slot while another failed does not begin.
      if (failure) throw NOT_RUN;
      const began = Date.now();
      await step(r);
      timeline.set(r.key, { began, ended: Date.now() });
    } catch (err) {
      // Said before the slot is handed on: the next step waiting for it must not begin.
      if (err !== NOT_RUN) failure ??= { error: err };
      throw err;
    } finally {
      release();
    }
  };
  if (parallel === 1) {
    for (const r of resources) await timed(r);
    return;
  }
  const steps = new Map<string, Promise<void>>();
  for (const r of resources) {
    // A key not listed is a resource an earlier apply made (a replay in parts): done.
    const waits = r.waitsFor.map((k) => steps.get(k) ?? Promise.resolve());
    steps.set(
      r.key,
      Promise.all(waits)
        .then(() => {
          if (failure) throw NOT_RUN;
          return timed(r);
        })
        .catch((err) => {
          if (err !== NOT_RUN) failure ??= { error: err };
          throw NOT_RUN;
        }),
    );
  }
  await Promise.allSettled(steps.values());
  if (failure) throw failure.error;
}

/** Each resource that began before something it waits for had ended: none, when the steps kept the dependencies. */
export function beganEarly(resources: readonly (Stepped & { name: string })[], timeline: Timeline): string[] {
  const missing = resources.filter((r) => !timeline.has(r.key)).map((r) => `${r.name} has no step`);
  return [
    ...missing,
    ...resources.flatMap((r) =>
      r.waitsFor
        .filter((w) => (timeline.get(w)?.ended ?? Infinity) > (timeline.get(r.key)?.began ?? -Infinity))
        .map((w) => `${r.name} began before ${w} was done`),
    ),
  ];
}

/** Whether two of these steps ran at the same time. */
export function anyOverlap(windows: readonly { began: number; ended: number }[]): boolean {
  return windows.some((a, i) => windows.some((b, j) => i !== j && a.began < b.ended && b.began < a.ended));
}

// The mutation score rests on this crediting (test/mutation-coverage.ts): a mutant runs only with the tests
// credited with it. Here StrykerJS's namespace is played by hand, as its instrumenter and setup file fill it.
import { afterEach, describe, expect, it } from "vitest";
import { activeMutant, collectWithoutMutant, credit, endFile, measured, startFile, startTest } from "./mutation-coverage";

type Namespace = {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
};
const g = globalThis as { __stryker__?: Namespace };
const saved = g.__stryker__;
afterEach(() => {
  g.__stryker__ = saved;
});

/** A dry run's namespace, and the instrumenter's counter (stryCov). */
function dryRun() {
  const ns: Namespace = { mutantCoverage: { static: {}, perTest: {} } };
  g.__stryker__ = ns;
  const cover = (...ids: string[]) => {
    const bucket = ns.currentTestId ? (ns.mutantCoverage!.perTest[ns.currentTestId] ??= {}) : ns.mutantCoverage!.static;
    for (const id of ids) bucket[id] = (bucket[id] ?? 0) + 1;
  };
  return { ns, cover };
}

describe("crediting a render's coverage", () => {
  it("returns the mutants the work covered, not those covered before it", async () => {
    const { ns, cover } = dryRun();
    ns.currentTestId = "t1";
    cover("1", "2");
    const { value, covered } = await measured(async () => (cover("2", "3"), 42));
    expect(value).toBe(42);
    expect(covered.sort()).toEqual(["2", "3"]);
  });

  it("credits a render read from the cache to the test that reads it", () => {
    const { ns } = dryRun();
    ns.currentTestId = "t2";
    credit(["5", "6"]);
    expect(ns.mutantCoverage!.perTest.t2).toEqual({ "5": 1, "6": 1 });
  });

  it("moves what a file's hooks covered from static to each of the file's tests, and drops what collection covered", () => {
    const { ns, cover } = dryRun();
    cover("collected"); // the file's imports and describe blocks
    startFile();
    cover("hook"); // a beforeAll
    credit(["cached"]); // a beforeAll reading a cached render
    for (const test of ["a", "b"]) {
      ns.currentTestId = test;
      startTest();
      cover(`in-${test}`);
      ns.currentTestId = undefined;
    }
    cover("after");
    endFile();
    expect(ns.mutantCoverage!.static).toEqual({});
    expect(ns.mutantCoverage!.perTest).toEqual({
      a: { hook: 1, cached: 1, "in-a": 1 },
      b: { hook: 1, cached: 1, "in-b": 1 },
    });
  });

  it("does not credit the next file's tests with the hooks of the previous file", () => {
    const { ns, cover } = dryRun();
    startFile();
    cover("hook-of-first");
    ns.currentTestId = "first";
    startTest();
    ns.currentTestId = undefined;
    endFile();
    startFile();
    ns.currentTestId = "second";
    startTest();
    expect(ns.mutantCoverage!.perTest.second ?? {}).toEqual({});
  });
});

describe("in a mutant run", () => {
  it("measures nothing and credits nothing", async () => {
    const { ns, cover } = dryRun();
    ns.activeMutant = "7";
    ns.currentTestId = "t";
    const { covered } = await measured(async () => cover("8"));
    credit(["9"]);
    startTest();
    expect(covered).toEqual([]);
    expect(ns.mutantCoverage!.perTest.t).toEqual({ "8": 1 });
    expect(activeMutant()).toBe("7");
  });

  it("switches the mutant off for collection", () => {
    const { ns } = dryRun();
    ns.activeMutant = "7";
    collectWithoutMutant();
    expect(activeMutant()).toBeUndefined();
  });
});

describe("outside a mutation run", () => {
  it("runs the work and reports no coverage", async () => {
    g.__stryker__ = undefined;
    expect(await measured(async () => "x")).toEqual({ value: "x", covered: [] });
    expect(activeMutant()).toBeUndefined();
  });
});

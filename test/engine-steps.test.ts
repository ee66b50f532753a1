/** The engine tier's stepping (test/engine/steps.ts), on steps that only wait: what it runs, when, and after a failure. */
import { describe, expect, it } from "vitest";
import { anyOverlap, beganEarly, stepAll, type Timeline } from "./engine/steps";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const r = (key: string, ...waitsFor: string[]) => ({ key, name: key, waitsFor });
// network, then three data services side by side, then the app that waits for two of them.
const RENDER = [r("net"), r("pg", "net"), r("es", "net"), r("redis", "net"), r("api", "pg", "es")];

describe("stepAll", () => {
  it("begins each resource once what it waits for is done, and independent ones side by side", async () => {
    const timeline: Timeline = new Map();
    await stepAll(RENDER, () => sleep(40), timeline);
    expect(beganEarly(RENDER, timeline)).toEqual([]);
    const data = ["pg", "es", "redis"].map((k) => timeline.get(k)!);
    expect(anyOverlap(data)).toBe(true);
    // Side by side: the three data services take about one step's time, not three.
    expect(timeline.get("api")!.ended - timeline.get("net")!.began).toBeLessThan(4 * 40);
  });
  it("one at a time, in the list's order, as --parallel 1", async () => {
    const timeline: Timeline = new Map();
    const order: string[] = [];
    await stepAll(
      RENDER,
      async (x) => {
        order.push(x.key);
        await sleep(5);
      },
      timeline,
      1,
    );
    expect(order).toEqual(["net", "pg", "es", "redis", "api"]);
    expect(anyOverlap([...timeline.values()])).toBe(false);
  });
  it("runs at most `parallel` steps at once, as --parallel <n>", async () => {
    const wide = [r("net"), ...["a", "b", "c", "d", "e"].map((k) => r(k, "net"))];
    let now = 0;
    let most = 0;
    const timeline: Timeline = new Map();
    await stepAll(
      wide,
      async () => {
        most = Math.max(most, ++now);
        await sleep(10);
        now--;
      },
      timeline,
      2,
    );
    expect([most, timeline.size]).toEqual([2, 6]);
  });
  it("after a failure begins nothing new, lets what is in flight end, and fails with the first error", async () => {
    const timeline: Timeline = new Map();
    const ended: string[] = [];
    const failed = stepAll(
      RENDER,
      async (x) => {
        if (x.key === "pg") throw new Error("pg failed");
        await sleep(x.key === "es" ? 30 : 1);
        ended.push(x.key);
      },
      timeline,
    );
    await expect(failed).rejects.toThrow("pg failed");
    expect(ended.sort()).toEqual(["es", "net", "redis"]);
    expect(timeline.has("api")).toBe(false);
  });
  it("with --parallel <n>, begins none of the steps still waiting for a slot once one has failed", async () => {
    const wide = [r("net"), ...["a", "b", "c", "d", "e"].map((k) => r(k, "net"))];
    const begun: string[] = [];
    const timeline: Timeline = new Map();
    const failed = stepAll(
      wide,
      async (x) => {
        begun.push(x.key);
        if (x.key === "a") throw new Error("a failed");
        await sleep(20);
      },
      timeline,
      2,
    );
    await expect(failed).rejects.toThrow("a failed");
    expect(begun).toEqual(["net", "a", "b"]);
  });
  it("takes a resource it does not list as applied already (a replay in parts)", async () => {
    const timeline: Timeline = new Map();
    await stepAll([r("api", "pg")], () => sleep(1), timeline);
    expect([...timeline.keys()]).toEqual(["api"]);
  });
  it("beganEarly names a step that began before what it waits for ended, or that never ran", () => {
    const timeline: Timeline = new Map([
      ["net", { began: 0, ended: 10 }],
      ["pg", { began: 5, ended: 20 }],
    ]);
    expect(beganEarly([r("net"), r("pg", "net"), r("api", "pg")], timeline)).toEqual([
      "api has no step",
      "pg began before net was done",
      "api began before pg was done",
    ]);
  });
});

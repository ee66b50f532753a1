import { describe, expect, it } from "vitest";
import { dependencyLevels } from "../models/order";

describe("dependency levels (models/order.ts: the start order and the render graph)", () => {
  it("puts a node one level below its deepest dependency", () => {
    expect(
      dependencyLevels([
        { key: "api", dependsOn: ["workers", "pg", "img"] },
        { key: "workers", dependsOn: ["pg"] },
        { key: "pg", dependsOn: ["img", "vol"] },
        { key: "img", dependsOn: [] },
        { key: "vol", dependsOn: [] },
      ]),
    ).toEqual([["img", "vol"], ["pg"], ["workers"], ["api"]]);
  });
  it("ignores dependencies outside the graph (components, the stack)", () => {
    expect(dependencyLevels([{ key: "a", dependsOn: ["component"] }])).toEqual([["a"]]);
  });
  it("rejects a cycle", () => {
    expect(() =>
      dependencyLevels([
        { key: "a", dependsOn: ["b"] },
        { key: "b", dependsOn: ["a"] },
      ]),
    ).toThrow("dependency cycle: a -> b -> a");
  });
  it("names only the cycle, not the path that led to it", () => {
    const nodes = [
      { key: "x", dependsOn: ["a"] },
      { key: "a", dependsOn: ["b"] },
      { key: "b", dependsOn: ["a"] },
    ];
    expect(() => dependencyLevels(nodes)).toThrow(/^dependency cycle: a -> b -> a$/);
  });
});

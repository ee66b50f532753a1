/** The render's table fits the terminal (issue 11, item 7): each line cut to the width, ending in "…". */
import { describe, expect, it } from "vitest";
import { toTable } from "../../../tools/render/table";
import type { Rendered } from "../../../tools/render/offline";

const options = { dependsOn: [], protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], replaceOnChanges: [] };
const rendered = {
  project: "robotoff",
  stack: "dev-2022",
  resources: [
    { type: "docker:index/network:Network", name: "robotoff-network", parent: null, custom: true, inputs: { name: "webnet" }, options },
    {
      type: "docker:index/container:Container",
      name: "robotoff-api-container",
      parent: null,
      custom: true,
      inputs: { image: "ghcr.io/openfoodfacts/robotoff:latest", memory: 2048, restart: "no", stopTimeout: 10, envs: ["A=".padEnd(300, "x")] },
      options,
    },
  ],
  outputs: {},
  providers: new Map(),
} as unknown as Rendered;

describe("render --format table", () => {
  it("cuts every line to the terminal width", () => {
    const lines = toTable(rendered, false, 80).split("\n");
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[2]).toMatch(/^docker:Container\s+robotoff-api-container\s+image=ghcr.io.*…$/);
    expect(lines[1]).not.toContain("…");
  });
  it("keeps whole lines without a width (a pipe, a file)", () => {
    expect(toTable(rendered, false).split("\n")[2]).toContain("x".repeat(290));
  });
});

describe("render --format table, an image build", () => {
  const image = (build: Record<string, unknown>) =>
    ({
      ...rendered,
      resources: [{ type: "docker:index/remoteImage:RemoteImage", name: "img", parent: null, custom: true, inputs: { name: "app:dev", build }, options }],
    }) as unknown as Rendered;
  it("says which builder the build names (the Engine's own ImageBuild), and nothing when it names none", () => {
    expect(toTable(image({ context: "/src", target: "dev", useLegacyBuilder: true }), false).split("\n")[1]).toMatch(
      /name=app:dev {2}build=\/src@dev {2}builder=ImageBuild$/,
    );
    expect(toTable(image({ context: "/src", target: "dev" }), false).split("\n")[1]).toMatch(/build=\/src@dev$/);
  });
});

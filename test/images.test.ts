/** Containers must run the pulled image (its imageId), not a reference string of their own. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { CONTAINER, IMAGE, ofType, renderStack, beforeAllTests } from "./harness";

const imageIdOf = (reference: string) => `sha256:${createHash("sha256").update(reference).digest("hex")}`;

describe("every container uses an image resource", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderStack("dev-2022", undefined, { imageIdOf });
  });

  it("sets each container's image to the imageId of one RemoteImage", () => {
    const ids = new Map(ofType(r, IMAGE).map((i) => [imageIdOf(i.inputs.name as string), i.inputs.name]));
    const containers = ofType(r, CONTAINER);
    expect(containers.length).toBe(6);
    for (const c of containers) expect(ids.has(c.inputs.image as string), c.name).toBe(true);
  });
  it("runs the app image in api, workers and scheduler", () => {
    const app = imageIdOf("openfoodfacts/robotoff:dev"); // built from the checkout in dev
    const users = ofType(r, CONTAINER)
      .filter((c) => c.inputs.image === app)
      .map((c) => c.inputs.name);
    expect(users.sort()).toEqual(["robotoff-api", "robotoff-scheduler", "robotoff-workers"]);
  });
});

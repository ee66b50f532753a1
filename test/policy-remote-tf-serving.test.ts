/**
 * The policy pack agrees with the stack (issue 11, item 4): tf_serving published on every interface the
 * documented way (allowRemoteAccess, expose 8500/8501) passes; the same ports without the stack's consent fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { PROJECT_DIR, renderStack, beforeAllTests, stackFileWith } from "./harness";
import { validateRender } from "./policy-args";

describe("prod with tf_serving published as the README documents", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    // What `pulumi config set --path` writes: integers.
    const file = stackFileWith(
      join(PROJECT_DIR, "Pulumi.prod-2022.yaml"),
      (config) => (config["robotoff:tfServing"] = { allowRemoteAccess: true, expose: { grpc: 8500, rest: 8501 } }),
    );
    r = await renderStack("prod-2022", file);
  });
  it("passes every policy with policy/config.prod.json", async () => {
    const config = Object.assign({}, ...Object.values(JSON.parse(readFileSync(join(PROJECT_DIR, "policy/config.prod.json"), "utf8"))));
    expect(await validateRender(r, config)).toEqual([]);
  });
  it("would stop the same ports on a container the stack did not allow", async () => {
    const unlabelled = {
      ...r,
      resources: r.resources.map((x) => (x.inputs.name === "robotoff-tf_serving" ? { ...x, inputs: { ...x.inputs, labels: undefined } } : x)),
    };
    expect((await validateRender(unlabelled, {})).map((v) => v.message)).toEqual([
      "robotoff-tf_serving publishes port 8500 on 0.0.0.0: bind it to 127.0.0.1",
      "robotoff-tf_serving publishes port 8500 on ::: bind it to 127.0.0.1",
      "robotoff-tf_serving publishes port 8501 on 0.0.0.0: bind it to 127.0.0.1",
      "robotoff-tf_serving publishes port 8501 on ::: bind it to 127.0.0.1",
    ]);
  });
});

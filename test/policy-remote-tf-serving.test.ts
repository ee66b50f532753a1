/**
 * The policy pack agrees with the stack (issue 11, item 4): tf_serving published on every interface the
 * documented way (allowRemoteAccess, expose 8500/8501) passes; the same ports without the stack's consent fail.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/offline";
import { PROJECT_DIR, renderStack, beforeAllTests } from "./harness";
import { validateRender } from "./policy-args";

describe("prod with tf_serving published as the README documents", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    const doc = load(readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")) as any;
    // What `pulumi config set --path` writes: integers.
    doc.config["robotoff:tfServing"] = { allowRemoteAccess: true, expose: { grpc: 8500, rest: 8501 } };
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-policy-")), "Pulumi.prod.yaml");
    writeFileSync(file, dump(doc));
    r = await renderStack("prod", file);
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

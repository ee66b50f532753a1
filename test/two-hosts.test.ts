/** prod on two Docker hosts: tf_serving on its own VM ("ml"), as Open Food Facts ran docker/ml.yml. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { validateRender } from "./policy-args";
import { CONTAINER, IMAGE, NETWORK, containerOf, envOf, keyOf, ofType, renderStack, beforeAllTests, stackFileWith } from "./harness";

const ML = "robotoff-host-ml";

describe("prod on two hosts", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderStack("prod-2022", join(__dirname, "fixtures/Pulumi.prod-two-hosts.yaml"));
  });
  const providerOf = (key: string) => r.providers.get(key);

  it("passes the policy pack with policy/config.prod.json, tf_serving's ports beyond loopback included (issue 11, item 4)", async () => {
    expect(await validateRender(r, {})).toEqual([]);
  });
  it("creates one Docker provider, for the ml host, at its ssh address", () => {
    const providers = r.resources.filter((x) => x.type === "pulumi:providers:docker");
    expect(providers.map((p) => [p.name, p.inputs.host, p.parent])).toEqual([
      [ML, "ssh://deploy@ml.openfoodfacts.org", "robotoff:docker:Deployment::robotoff"],
    ]);
  });
  it("passes the host's sshOpts to the provider's ssh client (robotoff:hosts.ml.sshOpts)", () => {
    const ml = r.resources.find((x) => x.type === "pulumi:providers:docker")!;
    // The SDK hands a provider its non-string config as JSON.
    expect(JSON.parse(ml.inputs.sshOpts as string)).toEqual(["-i", "~/.ssh/robotoff_deploy", "-o", "StrictHostKeyChecking=yes"]);
  });
  it("runs tf_serving on ml and every other container on the local host", () => {
    for (const c of ofType(r, CONTAINER)) {
      expect([c.inputs.name, providerOf(keyOf(c))]).toEqual([c.inputs.name, c.inputs.name === "robotoff-tf_serving" ? ML : undefined]);
    }
  });
  it("creates the stack network on each host", () => {
    expect(ofType(r, NETWORK).map((n) => [n.name, n.inputs.name, providerOf(keyOf(n))])).toEqual([
      ["robotoff-network", "webnet", undefined],
      ["robotoff-network-ml", "webnet", ML],
    ]);
    expect((containerOf(r, "tf_serving").inputs.networksAdvanced as any[])[0].name).toBe("webnet");
  });
  it("pulls on each host only the images that run there", () => {
    const onMl = ofType(r, IMAGE)
      .filter((i) => providerOf(keyOf(i)) === ML)
      .map((i) => i.inputs.name);
    expect(onMl).toEqual(["tensorflow/serving:2.4.0"]);
    const local = ofType(r, IMAGE)
      .filter((i) => providerOf(keyOf(i)) === undefined)
      .map((i) => i.inputs.name);
    expect(local).not.toContain("tensorflow/serving:2.4.0");
  });
  it("gives the app the ml host's address instead of a container DNS name (TF_SERVING_HOST)", () => {
    for (const service of ["api", "workers", "scheduler"]) {
      expect(envOf(containerOf(r, service)).vars.TF_SERVING_HOST).toBe("ml.openfoodfacts.org");
    }
  });
  it("publishes tf_serving's ports where the app can reach them", () => {
    expect(containerOf(r, "tf_serving").inputs.ports).toEqual([
      { internal: 8500, external: 8500, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 8500, external: 8500, ip: "::", protocol: "tcp" },
      { internal: 8501, external: 8501, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 8501, external: 8501, ip: "::", protocol: "tcp" },
    ]);
  });
  it("still starts the api and the workers once tf_serving is healthy, across hosts", () => {
    const tf = keyOf(containerOf(r, "tf_serving"));
    expect(containerOf(r, "api").options.dependsOn).toContain(tf);
    expect(containerOf(r, "workers").options.dependsOn).toContain(tf);
    expect(containerOf(r, "tf_serving").inputs.wait).toBe(true);
  });
});

// tf_models (robotoff:tfServing.models) runs the postgres image beside tf_serving: the one image pulled on both hosts.
describe("prod on two hosts, with models that tf_models downloads on the ml host", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    const model = { name: "universal-logo-detector", url: "https://example.org/logo.tar.gz", sha256: "a".repeat(64) };
    const file = stackFileWith(join(__dirname, "fixtures/Pulumi.prod-two-hosts.yaml"), (c) => {
      c["robotoff:tfServing"] = { ...c["robotoff:tfServing"], models: [model] };
    });
    r = await renderStack("prod-2022", file);
  });

  it("pulls postgres' image on each host, and each container runs the image pulled on its own host", () => {
    const images = new Set(ofType(r, IMAGE).map(keyOf));
    const postgres = ofType(r, IMAGE).filter((i) => i.inputs.name === "postgres:11.2-alpine");
    expect(postgres.map((i) => r.providers.get(keyOf(i)))).toEqual([undefined, ML]);
    for (const c of ofType(r, CONTAINER)) {
      const pulled = (r.dependencies.get(keyOf(c)) ?? []).filter((d) => images.has(d));
      expect(pulled.length, String(c.inputs.name)).toBe(1);
      expect(r.providers.get(pulled[0]), String(c.inputs.name)).toBe(r.providers.get(keyOf(c)));
    }
    expect(r.providers.get(keyOf(containerOf(r, "tf_models")))).toBe(ML);
  });
});

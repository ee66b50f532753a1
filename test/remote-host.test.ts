/** prod on one remote Docker host ("main"), nothing on the local Engine: every Docker resource goes through its provider. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { keyOf, renderStack, beforeAllTests } from "./harness";

describe("prod on one remote host", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderStack("prod-2022", join(__dirname, "fixtures/Pulumi.prod-remote-host.yaml"));
  });
  const docker = () => r.resources.filter((x) => x.type.startsWith("docker:"));

  it("creates the host's provider at its url, with its TLS certificates (certPath) and no ssh options", () => {
    const providers = r.resources.filter((x) => x.type === "pulumi:providers:docker");
    expect(providers.map((p) => [p.name, p.inputs.host, p.inputs.sshOpts, p.inputs.certPath])).toEqual([
      ["robotoff-host-main", "tcp://main.openfoodfacts.org:2376", undefined, "/etc/robotoff/docker-tls"],
    ]);
  });
  it("puts every container, image, network and data volume on that host (robotoff:app.host, robotoff:tfServing.host)", () => {
    expect(docker().length).toBeGreaterThan(0);
    expect(
      docker()
        .filter((x) => r.providers.get(keyOf(x)) !== "robotoff-host-main")
        .map(keyOf),
    ).toEqual([]);
    expect(
      docker()
        .filter((x) => x.type === "docker:index/volume:Volume")
        .map((v) => v.name)
        .sort(),
    ).toEqual(["robotoff-es-data", "robotoff-postgres-data"]);
  });
  it("names the host's network and images after it, as a second host's are", () => {
    const names = docker()
      .filter((x) => x.type === "docker:index/network:Network" || x.type === "docker:index/remoteImage:RemoteImage")
      .map((x) => x.name)
      .sort();
    expect(names).toEqual([
      "robotoff-image-elasticsearch-main",
      "robotoff-image-postgres-main",
      "robotoff-image-robotoff-main",
      "robotoff-image-tf-serving-main",
      "robotoff-network-main",
    ]);
  });
});

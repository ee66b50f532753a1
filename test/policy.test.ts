/** Each policy with a passing and a failing case, built by hand. */
import { describe, expect, it } from "vitest";
import { policies } from "../policy/policies";
import { canonicalRepository } from "../models/image";
import { args, validate } from "./policy-args";
import { PUBLISH_BEYOND_LOOPBACK_LABEL } from "../models/ports";

const C = "docker:index/container:Container";
const policy = (name: string) => policies.find((p) => p.name === name)!;

describe("policy: published-beyond-loopback-only-where-the-stack-allows", () => {
  const p = policy("published-beyond-loopback-only-where-the-stack-allows");
  const allowed = [{ label: PUBLISH_BEYOND_LOOPBACK_LABEL, value: "allowed" }];
  it("lets a container the stack allows publish on every interface", async () => {
    expect(await validate(p, args(C, "a", { name: "robotoff-api", labels: allowed, ports: [{ internal: 5500, external: 5500 }] }))).toEqual([]);
    expect(await validate(p, args(C, "t", { name: "robotoff-tf_serving", labels: allowed, ports: [{ internal: 8500 }] }))).toEqual([]);
  });
  it("stops the api too when the stack did not allow it", async () => {
    expect(await validate(p, args(C, "a", { name: "robotoff-api", ports: [{ internal: 5500, external: 5500 }] }))).toHaveLength(1);
  });
  it("lets postgres publish on loopback", async () => {
    expect(await validate(p, args(C, "p", { name: "robotoff-postgres", ports: [{ internal: 5432, ip: "127.0.0.1" }] }))).toEqual([]);
  });
  it("stops tf_serving on every interface", async () => {
    expect(await validate(p, args(C, "t", { name: "robotoff-tf_serving", ports: [{ internal: 8500 }] }))).toEqual([
      "robotoff-tf_serving publishes port 8500 on every interface: bind it to 127.0.0.1",
    ]);
  });
});

describe("policy: memory-limit-on-every-container", () => {
  const p = policy("memory-limit-on-every-container");
  it("passes a limit", async () => expect(await validate(p, args(C, "a", { name: "x", memory: 2048 }))).toEqual([]));
  it("fails no limit", async () => expect(await validate(p, args(C, "a", { name: "x" }))).toEqual(["x has no memory limit"]));
});

describe("policy: no-privileged-container", () => {
  const p = policy("no-privileged-container");
  it("passes privileged: false", async () => expect(await validate(p, args(C, "a", { name: "x", privileged: false }))).toEqual([]));
  it("fails privileged: true", async () => expect(await validate(p, args(C, "a", { name: "x", privileged: true }))).toEqual(["x runs privileged"]));
});

describe("policy: secrets-only-as-secrets", () => {
  const p = policy("secrets-only-as-secrets");
  const props = { name: "x", envs: ["POSTGRES_USER=postgres", "POSTGRES_PASSWORD=s3cret"] };
  it("passes a credential whose envs stay secret", async () => {
    expect(await validate(p, args(C, "a", props, { additionalSecretOutputs: ["envs"] }))).toEqual([]);
  });
  it("passes envs without a credential", async () => {
    expect(await validate(p, args(C, "a", { name: "x", envs: ["discovery.type=single-node"] }))).toEqual([]);
  });
  it("fails a credential in envs that are not kept secret", async () => {
    expect(await validate(p, args(C, "a", props))).toEqual(["x passes POSTGRES_PASSWORD without envs in additionalSecretOutputs"]);
  });
});

describe("policy: data-volumes-protected-or-adopted", () => {
  const p = policy("data-volumes-protected-or-adopted");
  const V = "docker:index/volume:Volume";
  it("passes a protected data volume", async () => expect(await validate(p, args(V, "v", { name: "postgres-data" }, { protect: true }))).toEqual([]));
  it("passes an unprotected data volume where config allows it (dev)", async () => {
    expect(await validate(p, args(V, "v", { name: "postgres-data" }, {}, { protectDataVolumes: false }))).toEqual([]);
  });
  it("fails an unprotected data volume", async () => {
    expect(await validate(p, args(V, "v", { name: "es-data" }))).toEqual(["data volume es-data is created without protect: a destroy would delete it"]);
  });
});

describe("policy: images-from-allowed-registries", () => {
  const p = policy("images-from-allowed-registries");
  const I = "docker:index/remoteImage:RemoteImage";
  it.each([
    ["postgres:11.2-alpine", "docker.io/library/postgres"],
    ["raphael0202/elasticsearch", "docker.io/raphael0202/elasticsearch"],
    ["ghcr.io/openfoodfacts/robotoff:sha-1", "ghcr.io/openfoodfacts/robotoff"],
    ["localhost:5000/robotoff:dev", "localhost:5000/robotoff"],
    [`postgres@sha256:${"a".repeat(64)}`, "docker.io/library/postgres"],
  ])("resolves %s to %s", (ref, repo) => expect(canonicalRepository(ref)).toBe(repo));
  it("fails a name that is no image reference", async () => {
    expect(await validate(p, args(I, "i", { name: "Not An Image" }))).toEqual(["image Not An Image is not an image reference"]);
  });
  it("passes the Robotoff images", async () => {
    for (const name of ["ghcr.io/openfoodfacts/robotoff:latest", "postgres:11.2-alpine", "tensorflow/serving:2.4.0"]) {
      expect(await validate(p, args(I, "i", { name }))).toEqual([]);
    }
  });
  it("passes an image built from a checkout, whatever its name", async () => {
    expect(await validate(p, args(I, "i", { name: "openfoodfacts/robotoff:dev", build: { context: "/srv/robotoff" } }))).toEqual([]);
  });
  it("fails an image from elsewhere", async () => {
    expect(await validate(p, args(I, "i", { name: "evil.example/postgres:11" }))).toEqual([
      "image evil.example/postgres:11 (evil.example/postgres) is not on the allow-list",
    ]);
  });
});

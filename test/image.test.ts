import { describe, expect, it } from "vitest";
import { freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({ ...(await import("../models/image")) }));

describe("Docker image references", () => {
  it.each([
    "ghcr.io/openfoodfacts/robotoff:latest",
    "ghcr.io/openfoodfacts/robotoff:sha-0000000000000000000000000000000000000000",
    "postgres:11.2-alpine",
    "raphael0202/elasticsearch",
    "tensorflow/serving:2.4.0",
    "localhost:5000/robotoff:dev",
    `postgres@sha256:${"a".repeat(64)}`,
  ])("accepts %s", (ref) => expect(m.isImageReference(ref)).toBe(true));

  it.each(["", "Postgres:11", "postgres:", "postgres:11 ", "-postgres", "ghcr.io//robotoff", "postgres:-1", "a:b:c"])("rejects %j", (ref) =>
    expect(m.isImageReference(ref)).toBe(false),
  );

  it("tells a repository from a reference with a tag", () => {
    expect(m.isImageRepository("ghcr.io/openfoodfacts/robotoff")).toBe(true);
    expect(m.isImageRepository("ghcr.io/openfoodfacts/robotoff:latest")).toBe(false);
    expect(m.isImageTag("sha-abc")).toBe(true);
    expect(m.isImageTag("a/b")).toBe(false);
  });

  it.each([
    ["postgres:11.2-alpine", { repository: "postgres", tag: "11.2-alpine" }],
    ["localhost:5000/robotoff:dev", { repository: "localhost:5000/robotoff", tag: "dev" }],
    ["localhost:5000/robotoff", { repository: "localhost:5000/robotoff" }],
    [`ghcr.io/off/robotoff:v1@sha256:${"b".repeat(64)}`, { repository: "ghcr.io/off/robotoff", tag: "v1", digest: `sha256:${"b".repeat(64)}` }],
  ])("splits %s into repository, tag and digest", (ref, parts) => expect(m.parseImageReference(ref)).toStrictEqual(parts));

  it("refuses a reference longer than 255 characters", () => {
    expect(m.isImageReference(`a${"b".repeat(254)}`)).toBe(true);
    expect(m.isImageReference(`a${"b".repeat(255)}`)).toBe(false);
    expect(m.isImageRepository(`a${"b".repeat(254)}`)).toBe(true);
    expect(m.isImageRepository(`a${"b".repeat(255)}`)).toBe(false);
    expect(m.canonicalRepository("Not An Image")).toBeUndefined();
  });

  it("resolves a registry only where the first component has a dot or a port, or is localhost", () => {
    expect(m.canonicalRepository("localhost/robotoff")).toBe("localhost/robotoff");
    expect(m.canonicalRepository("localhost")).toBe("docker.io/library/localhost"); // one component: never a registry
    expect(m.canonicalRepository("postgres:11")).toBe("docker.io/library/postgres");
    expect(m.canonicalRepository("openfoodfacts/robotoff:latest")).toBe("docker.io/openfoodfacts/robotoff");
    expect(m.canonicalRepository("registry:5000/robotoff")).toBe("registry:5000/robotoff");
  });
});

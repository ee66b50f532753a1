import { describe, expect, it } from "vitest";
import { isImageReference, isImageRepository, isImageTag } from "../models/image";

describe("Docker image references", () => {
  it.each([
    "ghcr.io/openfoodfacts/robotoff:latest",
    "ghcr.io/openfoodfacts/robotoff:sha-0000000000000000000000000000000000000000",
    "postgres:11.2-alpine",
    "raphael0202/elasticsearch",
    "tensorflow/serving:2.4.0",
    "localhost:5000/robotoff:dev",
    `postgres@sha256:${"a".repeat(64)}`,
  ])("accepts %s", (ref) => expect(isImageReference(ref)).toBe(true));

  it.each(["", "Postgres:11", "postgres:", "postgres:11 ", "-postgres", "ghcr.io//robotoff", "postgres:-1", "a:b:c"])("rejects %j", (ref) =>
    expect(isImageReference(ref)).toBe(false),
  );

  it("tells a repository from a reference with a tag", () => {
    expect(isImageRepository("ghcr.io/openfoodfacts/robotoff")).toBe(true);
    expect(isImageRepository("ghcr.io/openfoodfacts/robotoff:latest")).toBe(false);
    expect(isImageTag("sha-abc")).toBe(true);
    expect(isImageTag("a/b")).toBe(false);
  });
});

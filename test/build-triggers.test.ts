import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ABSENT, hashBuildInputs } from "../services/build-inputs";

/** 2022-09's inputs (models/stack.ts): the Dockerfile and poetry's files. */
const BUILD_INPUTS = ["Dockerfile", "pyproject.toml", "poetry.lock", "poetry.toml"];

describe("hashBuildInputs (dev image rebuild triggers)", () => {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-build-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("hashes the Dockerfile and the dependency files, and says which are absent", () => {
    writeFileSync(join(dir, "Dockerfile"), "FROM python:3.7-slim\n");
    const t = hashBuildInputs(dir, BUILD_INPUTS);
    expect(Object.keys(t)).toEqual([...BUILD_INPUTS]);
    expect(t.Dockerfile).toBe(createHash("sha256").update("FROM python:3.7-slim\n").digest("hex"));
    expect(t["poetry.lock"]).toBe(ABSENT);
  });
  it("changes when poetry.lock changes, so that the image is rebuilt", () => {
    writeFileSync(join(dir, "poetry.lock"), "one");
    const before = hashBuildInputs(dir, BUILD_INPUTS);
    writeFileSync(join(dir, "poetry.lock"), "two");
    const after = hashBuildInputs(dir, BUILD_INPUTS);
    expect(after["poetry.lock"]).not.toBe(before["poetry.lock"]);
    expect(after.Dockerfile).toBe(before.Dockerfile);
  });
});

/** Every stack file in the repository: no password, token, secret, auth key or DSN in clear. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./harness";

const SECRET_NAME = /password|token|secret|authkey|dsn/i;
const isSecure = (v: unknown) => typeof v === "object" && v !== null && Object.keys(v).length === 1 && typeof (v as any).secure === "string";

/** Paths of values under a secret-looking key that are not `secure:`. */
function clearSecrets(value: unknown, path: string, underSecretName = false): string[] {
  if (isSecure(value)) return [];
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => clearSecrets(v, `${path}.${k}`, underSecretName || SECRET_NAME.test(k)));
  }
  return underSecretName ? [path] : [];
}

const stackFiles = readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));

describe("stack files", () => {
  it("are the three environments, each in generation 2026-06 and in 2022-09", () => {
    expect(stackFiles.sort()).toEqual([
      "Pulumi.dev-2022.yaml",
      "Pulumi.dev.yaml",
      "Pulumi.prod-2022.yaml",
      "Pulumi.prod.yaml",
      "Pulumi.staging-2022.yaml",
      "Pulumi.staging.yaml",
    ]);
  });
  it.each(stackFiles)("%s holds every secret-named key as secure: or not at all", (file) => {
    const config = (load(readFileSync(join(PROJECT_DIR, file), "utf8")) as any).config ?? {};
    expect(clearSecrets(config, file)).toEqual([]);
  });
});

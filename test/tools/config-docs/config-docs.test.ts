/** README's config-key table is generated from the schema (tools/config-docs/index.ts): the two must not drift. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configKeys, configTable, configTable2026, formatValue, withTable } from "../../../tools/config-docs";

const rowOf = (key: string) =>
  configTable()
    .split("\n")
    .find((line) => line.startsWith(`| \`${key}\` |`));

describe("README config keys", () => {
  it("README holds exactly the table the schema generates (run npm run docs:config after changing a key)", () => {
    const readme = readFileSync(join(__dirname, "../../..", "README.md"), "utf8");
    expect(withTable(readme, configTable())).toBe(readme);
  });

  it("docs/generation-2026-06.md holds exactly the table generation 2026-06's schema generates", () => {
    const doc = readFileSync(join(__dirname, "../../..", "docs", "generation-2026-06.md"), "utf8");
    expect(withTable(doc, configTable2026())).toBe(doc);
    const row = (key: string) =>
      configTable2026()
        .split("\n")
        .find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row("postgres.memory")).toBe("| `postgres.memory` | `20g` | postgres `mem_limit` (at least `256m`) |");
    expect(row("app.workers.count")).toContain("| `6` |");
    expect(row("elasticPassword")).toContain("| secret |");
    expect(row("tfServing.memory")).toBeUndefined();
  });

  it("takes each default from the schema, as an operator writes it (compose's mem_limit 4g for postgres)", () => {
    expect(rowOf("postgres.memory")).toBe("| `postgres.memory` | `4g` | postgres `mem_limit` (at least `256m`) |");
    expect(rowOf("app.api.expose.http")).toContain("| `127.0.0.1:5500` |");
    expect(rowOf("restartMaxRetries")).toContain("| `5` |");
    expect(rowOf("stopped")).toContain("| `[]` |");
  });

  it("shows a healthcheck as one row whose default is its four timings", () => {
    expect(rowOf("app.api.healthcheck")).toContain("| `{interval: 30s, timeout: 5s, retries: 3, startPeriod: 1m0s}` |");
    expect(configKeys().some((k) => k.key.startsWith("app.api.healthcheck."))).toBe(false);
  });

  it("says required, unset or secret where the schema has no default", () => {
    expect(rowOf("environment")).toContain("| required |");
    expect(rowOf("hostRoot")).toContain("| required |");
    expect(rowOf("app.instance")).toContain("| unset |");
    expect(rowOf("sentryDsn")).toContain("| secret |");
  });

  it("lists every key of the schema once, nested keys by their dotted path", () => {
    const keys = configKeys().map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(["environment", "app.influxdb.port", "volumes.esData.lifecycle", "swarm.replicas.scheduler", "slackToken"]));
    expect(keys).not.toContain("app");
  });

  it("fails naming a key that has no meaning, and a meaning whose key is gone", () => {
    const keys = configKeys();
    expect(() => configTable([...keys, { key: "postgres.newKey", default: "x", optional: false }])).toThrow(
      "keys without a meaning in tools/config-docs/key-docs.ts: postgres.newKey",
    );
    expect(() => configTable(keys.filter((k) => k.key !== "app.offUser"))).toThrow("meanings of keys the schema does not have: app.offUser");
  });

  it("writes values as a stack file holds them", () => {
    expect(formatValue({ a: "1g", b: [1, 2], c: {} })).toBe("{a: 1g, b: [1, 2], c: {}}");
    expect(formatValue(false)).toBe("false");
  });

  it("replaces only what is between the markers, and refuses a README without them", () => {
    const start = "<!-- config-keys: generated from models/config.ts and tools/config-docs/index.ts by `npm run docs:config` -->";
    const readme = `before\n${start}\nold\n<!-- /config-keys -->\nafter\n`;
    expect(withTable(readme, "T")).toBe(`before\n${start}\n\nT\n\n<!-- /config-keys -->\nafter\n`);
    expect(() => withTable("no markers", "T")).toThrow("README.md has no");
  });
});

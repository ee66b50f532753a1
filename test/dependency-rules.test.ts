/**
 * The import rules (.dependency-cruiser.cjs, run by `npm test` as `npm run deps:check`) fail on what they
 * forbid and pass what the layout allows: checked on scratch trees shaped like the project, with the real CLI.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../tools/shared/command";
import { PROJECT_DIR } from "./harness";

/** A tree of TypeScript files: path -> the modules it imports (relative, as in the project). */
async function cruise(tree: Record<string, string[]>): Promise<{ code: number; violations: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-deps-"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }));
  for (const [file, imports] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), [...imports.map((m) => `import "${m}";`), "export const x = 1;", ""].join("\n"));
  }
  const cli = join(PROJECT_DIR, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
  const r = await run(process.execPath, [cli, "--config", join(PROJECT_DIR, ".dependency-cruiser.cjs"), "--output-type", "err", "."], { cwd: dir });
  // `error <rule>: <from> → <to>`; a circle goes on over the next lines, from its first module.
  const violations = [...r.stdout.matchAll(/error (\S+): (\S+) →\s+(\S+)/g)].map((m) => `${m[1]}: ${m[2]} -> ${m[3]}`);
  return { code: r.code, violations };
}

/** What the layout allows: a command's own parts, tools/shared, tools/targets; the program's layers in one direction. */
const ALLOWED: Record<string, string[]> = {
  "index.ts": ["./services/robotoff", "./models/spec"],
  "models/spec.ts": ["./size"],
  "models/size.ts": [],
  "services/robotoff.ts": ["./containers", "./swarm", "../models/spec"],
  "services/secrets.ts": [],
  "services/containers/index.ts": ["./deployment", "../secrets"],
  "services/containers/deployment.ts": ["../secrets", "../../models/spec"],
  "services/swarm/index.ts": ["../secrets"],
  "tools/shared/errors.ts": ["../../models/spec"],
  "tools/shared/docker.ts": ["./errors"],
  "tools/targets/target.ts": ["../shared/docker"],
  "tools/targets/index.ts": ["./containers", "./swarm"],
  "tools/targets/containers/index.ts": ["../target", "../../shared/docker"],
  "tools/targets/swarm/index.ts": ["../target", "../../../services/swarm"],
  "tools/ops/index.ts": ["./args", "../shared/errors", "../targets", "../targets/target"],
  "tools/ops/args.ts": ["../shared/errors"],
  "tools/livecheck/index.ts": ["./verdict", "../targets"],
  "tools/livecheck/verdict.ts": ["../targets/target"],
};

describe("the import rules (.dependency-cruiser.cjs)", () => {
  it("pass the layout's own imports: a command's parts, tools/shared, tools/targets, config -> models -> services", async () => {
    expect(await cruise(ALLOWED)).toEqual({ code: 0, violations: [] });
  });

  // One tree breaking every rule once (a CLI run takes most of a second): each case is one of its violations.
  const BROKEN: [string, Record<string, string[]>, string][] = [
    [
      "a command folder importing another",
      { "tools/ops/index.ts": ["../livecheck"] },
      "command-imports-command: tools/ops/index.ts -> tools/livecheck/index.ts",
    ],
    [
      "a command's part importing another command's part",
      { "tools/ops/args.ts": ["../livecheck/verdict"] },
      "command-imports-command: tools/ops/args.ts -> tools/livecheck/verdict.ts",
    ],
    ["tools/shared importing a command", { "tools/shared/docker.ts": ["../ops/args"] }, "shared-imports-tools: tools/shared/docker.ts -> tools/ops/args.ts"],
    [
      "tools/shared importing a target",
      { "tools/shared/errors.ts": ["../targets/containers"] },
      "shared-imports-tools: tools/shared/errors.ts -> tools/targets/containers/index.ts",
    ],
    ["a target importing a command", { "tools/targets/index.ts": ["../ops/args"] }, "target-imports-command: tools/targets/index.ts -> tools/ops/args.ts"],
    [
      "a tools target importing another",
      { "tools/targets/swarm/index.ts": ["../containers"] },
      "target-imports-target: tools/targets/swarm/index.ts -> tools/targets/containers/index.ts",
    ],
    [
      "a program target importing another",
      { "services/swarm/index.ts": ["../containers/deployment"] },
      "target-imports-target: services/swarm/index.ts -> services/containers/deployment.ts",
    ],
    ["models importing the program", { "models/spec.ts": ["../services/secrets"] }, "models-import-layers: models/spec.ts -> services/secrets.ts"],
    ["models importing the tools", { "models/size.ts": ["../tools/ops/args"] }, "models-import-layers: models/size.ts -> tools/ops/args.ts"],
    [
      "the program importing the tools",
      { "services/secrets.ts": ["../tools/shared/errors"] },
      "program-imports-tools: services/secrets.ts -> tools/shared/errors.ts",
    ],
    ["a circle", { "tools/livecheck/verdict.ts": ["./index"] }, "no-circular: tools/livecheck/index.ts -> tools/livecheck/verdict.ts"],
  ];
  let broken: Awaited<ReturnType<typeof cruise>>;
  beforeAll(async () => {
    const tree = { ...ALLOWED };
    for (const [, change] of BROKEN) for (const [file, imports] of Object.entries(change)) tree[file] = [...tree[file], ...imports];
    broken = await cruise(tree);
  });

  it("fail the check when an import breaks one", () => expect(broken.code).not.toBe(0));
  it.each(BROKEN)("fail on %s", (_, __, violation) => expect(broken.violations).toContain(violation));
});

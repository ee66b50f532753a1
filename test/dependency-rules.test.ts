/**
 * The import rules (.dependency-cruiser.cjs): the project breaks none, and each one fails on what it forbids and
 * passes what the layout allows, on scratch trees shaped like the project. dependency-cruiser runs in this
 * worker (its API), as `npm run deps:check` runs it from the command line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./harness";

/** The part of dependency-cruiser's API used here (the package's types need moduleResolution node16). */
interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}
type Cruise = (
  files: string[],
  options: Record<string, unknown>,
  resolve?: Record<string, unknown>,
  transpile?: Record<string, unknown>,
) => Promise<{ output: { summary: { violations: Violation[] } } }>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RULES = require(join(PROJECT_DIR, ".dependency-cruiser.cjs")) as { forbidden: unknown[]; options: Record<string, unknown> };
const CRUISER = "dependency-cruiser";

/** Every violation of the rules in `baseDir`, as `<rule>: <from> -> <to>` (a circle: from its first module). */
async function violations(baseDir: string, files: string[], resolve: Record<string, unknown> = {}, transpile: Record<string, unknown> = {}): Promise<string[]> {
  const { cruise } = (await import(CRUISER)) as { cruise: Cruise };
  const { tsConfig: _, ...options } = RULES.options;
  const r = await cruise(files, { ...options, baseDir, validate: true, ruleSet: { forbidden: RULES.forbidden } }, resolve, transpile);
  return r.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

/** A tree of TypeScript files: path -> the modules it imports (relative, as in the project); its violations. */
function cruise(tree: Record<string, string[]>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-deps-"));
  for (const [file, imports] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), [...imports.map((m) => `import "${m}";`), "export const x = 1;", ""].join("\n"));
  }
  return violations(dir, ["."], { extensions: [".ts", ".js"] });
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
  it("hold in this project (npm run deps:check names the imports that break one)", async () => {
    const extractTsConfig = (await import(`${CRUISER}/config-utl/extract-ts-config`)).default as (file: string) => Record<string, unknown>;
    const tsConfig = join(PROJECT_DIR, "tsconfig.json");
    const files = ["index.ts", "models", "services", "tools", "test", "policy"];
    expect(await violations(PROJECT_DIR, files, {}, { tsConfig: extractTsConfig(tsConfig) })).toEqual([]);
  });

  it("pass the layout's own imports: a command's parts, tools/shared, tools/targets, config -> models -> services", async () => {
    expect(await cruise(ALLOWED)).toEqual([]);
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
  let broken: string[];
  beforeAll(async () => {
    const tree = { ...ALLOWED };
    for (const [, change] of BROKEN) for (const [file, imports] of Object.entries(change)) tree[file] = [...tree[file], ...imports];
    broken = await cruise(tree);
  });

  it.each(BROKEN)("fail on %s", (_, __, violation) => expect(broken).toContain(violation));
});

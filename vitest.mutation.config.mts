import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The mutation run (stryker.config.json) mutates models/ and services/. Left out: the git-ref diff (it needs a
// git checkout, which the sandbox is not) and the render command run as a process, which reads every render
// and so would run its child process with each mutant, though a child never sees one. Files share their
// workers, as in npm test (the SDK loads once per worker); the harness renders once per mutant
// (test/harness.ts renderStack).
export default mergeConfig(
  base,
  defineConfig({
    test: {
      isolate: false,
      // Credits each test with the mutants covered by the renders it reads (test/mutation-coverage.ts).
      setupFiles: ["test/mutation-setup.ts"],
      exclude: [
        "test/tools/render/diff.test.ts",
        "test/tools/render/render-command.test.ts",
        "test/mutation-coverage.test.ts", // plays StrykerJS's namespace by hand
        "test/dependency-rules.test.ts", // runs dependency-cruiser over scratch trees: no program, no mutant
      ],
    },
  }),
);

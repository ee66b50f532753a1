import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The mutation run (stryker.config.json) mutates models/ and services/. The excluded files test the
// operator tools (fake docker and pulumi CLIs, the commands and their errors, the diff of two renders)
// mostly in child processes, which never see a mutant; the git-ref diff needs a git checkout, which the
// sandbox is not. Files share their workers, as in npm test (the SDK loads once per worker): the harness
// keys its cached renders by the active mutant (test/harness.ts renderStack).
export default mergeConfig(
  base,
  defineConfig({
    test: {
      isolate: false,
      // Credits each test with the mutants covered by the renders it reads (test/mutation-coverage.ts).
      setupFiles: ["test/mutation-setup.ts"],
      exclude: [
        "test/doctor.test.ts",
        "test/livecheck.test.ts",
        "test/workflows.test.ts",
        "test/diff.test.ts",
        "test/render-command.test.ts",
        "test/cli-errors.test.ts",
        "test/mutation-coverage.test.ts", // plays StrykerJS's namespace by hand
      ],
    },
  }),
);

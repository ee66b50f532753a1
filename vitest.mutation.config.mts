import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The mutation run (stryker.config.json) mutates models/ and services/. These files test the operator
// tools against fake docker and pulumi CLIs, in child processes that never see a mutant: skip them.
export default mergeConfig(
  base,
  defineConfig({ test: { exclude: ["test/doctor.test.ts", "test/livecheck.test.ts", "test/workflows.test.ts"] } }),
);

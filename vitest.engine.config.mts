import { defineConfig } from "vitest/config";

/** The engine test tier (`npm run test:engine`): the real Docker Engine, one stack after another. */
export default defineConfig({
  test: {
    include: ["test/engine/**/*.test.ts"],
    globalSetup: ["test/engine/global-setup.ts"],
    pool: "forks",
    // One Engine, fixed host ports and one set of stand-in images: files and stacks run one at a time.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
  },
});

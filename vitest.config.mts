import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The engine tier needs a Docker Engine: npm run test:engine (vitest.engine.config.mts).
    exclude: ["test/engine/**", "**/node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    // The harness runs the program any number of times in one worker (test/harness.ts): files share
    // a worker and the SDK it loaded once, instead of one process per file.
    pool: "forks",
    isolate: false,
    maxWorkers: 2,
    // In-process tests take milliseconds; a child-process test takes up to ~5 s on a loaded 2-core
    // machine: a limit of 60 s leaves it more than 10x. (The git-ref diff sets its own.)
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The engine tier needs a Docker Engine: npm run test:engine (vitest.engine.config.mts).
    exclude: ["test/engine/**", "**/node_modules/**"],
    // Each file imports the program once under the SDK's mocks: keep files in separate processes.
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

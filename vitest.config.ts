import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Fails a CI run when a system tool is missing; elsewhere names the tests it skipped, in one line.
    globalSetup: ["test/support/system-tools-setup.ts"],
  },
});

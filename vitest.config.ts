import { defineConfig } from "vitest/config";

// One vitest project per package (each package has its own vitest.config.ts); the
// "@exp/source" condition makes workspace imports resolve to src/, so no build is needed first.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts", "bench/vitest.config.ts", "reliability/vitest.config.ts", "differential/vitest.config.ts", "release/vitest.config.ts"],
  },
});

import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// One vitest project per package (each package has its own vitest.config.ts); the
// "@exp/source" condition makes workspace imports resolve to src/, so no build is needed first.
export default defineConfig({
  test: {
    // vitest's default is one worker less than the cores: on CI's 2 cores, one file at a time. Most
    // files wait on servers, links, child processes and buildah rather than compute, so two at
    // once on 2 cores took the suite from 857 s to 474 s (a clean clone, same machine, same hour).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts", "bench/vitest.config.ts", "reliability/vitest.config.ts", "differential/vitest.config.ts", "release/vitest.config.ts", "scripts/vitest.config.ts"],
  },
});

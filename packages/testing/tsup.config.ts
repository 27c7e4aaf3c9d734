import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (verdaccio.ts finds the verdaccio package from this one).
export default defineConfig({ ...baseConfig, entry: ["src/index.ts", "src/vitest.ts"], shims: true });

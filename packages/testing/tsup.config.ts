import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (verdaccio.ts finds the verdaccio package from this one).
export default defineConfig({ ...baseConfig, shims: true });

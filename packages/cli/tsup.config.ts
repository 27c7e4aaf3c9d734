import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (plugins/cli-location.ts says where exp is installed).
export default defineConfig({ ...baseConfig, entry: ["src/index.ts", "src/bin.ts"], shims: true });

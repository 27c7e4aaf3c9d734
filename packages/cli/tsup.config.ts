import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (plugins/cli-location.ts says where exp is installed).
// splitting: each command's module is its own chunk, imported when the command runs, so
// `exp --version` and `exp --help` do not load the store, the solver and the registry client.
export default defineConfig({ ...baseConfig, entry: ["src/index.ts", "src/bin.ts"], shims: true, splitting: true });

import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (license-ids.ts requires the SPDX lists' JSON through it).
export default defineConfig({ ...baseConfig, shims: true });

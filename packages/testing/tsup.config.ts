import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: import.meta.url in the CJS build (verdaccio.ts finds the verdaccio package from this one).
export default defineConfig({ ...baseConfig, entry: { index: "src/index.ts", vitest: "src/vitest.ts", "schemas/attestation-schemas": "src/schemas/attestation-schemas.ts" }, shims: true });

import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

// shims: fs/tar-pax-binary.ts resolves tar-stream's files from import.meta.url, also in the CJS build.
export default defineConfig({ ...baseConfig, shims: true });

import type { Options } from "tsup";

/** Every package builds the same way: ESM + CJS + .d.ts from src/index.ts, nothing bundled from node_modules. */
export const baseConfig: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  splitting: false,
};

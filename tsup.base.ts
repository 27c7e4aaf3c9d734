import type { Options } from "tsup";

/**
 * Every package builds the same way: ESM + CJS + .d.ts from src/index.ts, nothing bundled from
 * node_modules. The .d.ts build reads the @exp/* packages it imports through their built types,
 * not their sources (no "@exp/source" condition; turbo builds dependencies first): it then checks
 * one package, not the package and every source under it, in half the time.
 */
export const baseConfig: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: { compilerOptions: { customConditions: [] } },
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  splitting: false,
};

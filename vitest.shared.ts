import type { UserWorkspaceConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through this export condition,
// so tests never need a prior build.
const conditions = ["@exp/source", "import", "node", "default"];

export function packageProject(name: string): UserWorkspaceConfig {
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@exp/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

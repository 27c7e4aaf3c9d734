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
      // exp adds buildx's default provenance (mode=min, inline-only) to image outputs, which turns
      // every pushed image into an index with an attestation manifest. Tests of other features opt
      // out as users do, with buildx's own variable; the attestation tests (packages/cli/src/attest)
      // take it out of their environment to test the default.
      env: { BUILDX_NO_DEFAULT_ATTESTATIONS: "1" },
    },
  };
}

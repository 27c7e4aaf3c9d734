import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { packageProject } from "../vitest.shared.js";

// Issue 18: exp's images compared with buildah's, built on a real Debian base served by one
// registry for the whole project (support/global-setup.ts). Cases in a file run concurrently: the
// work is in child processes (buildah, umoci, getfattr) and exp's I/O, and vitest gives this
// project one worker on a 2-core machine. The root is pinned so that
// `vitest run --config differential/vitest.config.ts` collects only this project's tests.
const project = packageProject("differential");
export default defineProject({
  ...project,
  // The global setup runs in vitest's own "__vitest__" environment, which does not take the
  // project's resolve conditions: without "@exp/source" there, @exp/testing would resolve to a
  // dist/ that does not exist before `pnpm build`.
  environments: { __vitest__: { resolve: { conditions: project.resolve!.conditions! } } },
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    ...project.test,
    include: ["**/*.test.ts"],
    globalSetup: ["./support/global-setup.ts"],
    // A case is two builds, two unpacks and two snapshots of a ~170 MB Debian tree.
    testTimeout: 180_000,
    // Making the Debian base the first time on a machine: ~35 s, more on a slow mirror.
    hookTimeout: 15 * 60_000,
    maxConcurrency: 4,
  },
});

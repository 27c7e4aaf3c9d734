import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { packageProject } from "../vitest.shared.js";

// Issue 12: the packages as a user gets them. One Verdaccio for the file, which publishes the
// built packages (dist/, made by `pnpm build` before the tests) and installs them with npm and
// pnpm outside the workspace. The root is pinned so that `vitest run --config release/vitest.config.ts`
// collects only this project's tests.
const project = packageProject("release");
export default defineProject({
  ...project,
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    ...project.test,
    include: ["*.test.ts", "support/*.test.ts"],
    // A step is a package manager run (a few seconds; a cold download of the AWS SDK on a new machine).
    testTimeout: 180_000,
    // Starting Verdaccio and Swift, and the release of every package.
    hookTimeout: 300_000,
  },
});

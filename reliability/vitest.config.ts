import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { packageProject } from "../vitest.shared.js";

// The bad-input corpus (issue 8): every case runs `exp` in-process against a sandbox and checks
// the typed error, the exit code and that nothing but the store changed. The root is pinned to
// this directory so that `vitest run --config reliability/vitest.config.ts` from the repository
// root collects only this project's tests, not every package's.
const project = packageProject("reliability");
export default defineProject({
  ...project,
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: { ...project.test, include: ["**/*.test.ts"] },
});

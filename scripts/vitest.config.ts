import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { packageProject } from "../vitest.shared.js";

// The repository's own scripts (what `pnpm test:ci` makes of vitest's report). fixtures/ holds
// test files that a test runs in a child vitest; they are named *.fixture.ts so this project does
// not collect them itself.
const project = packageProject("scripts");
export default defineProject({
  ...project,
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: { ...project.test, include: ["*.test.ts"] },
});

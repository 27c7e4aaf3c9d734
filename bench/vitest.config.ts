import { defineProject } from "vitest/config";
import { packageProject } from "../vitest.shared.js";

// Only the benchmark's pure parts (statistics, the timeline drawing, the app-context tree
// generator and step parser, the skopeo scenario's layout) are unit-tested; the scenarios
// themselves run with `pnpm bench`, never in the test suite.
const project = packageProject("bench");
export default defineProject({ ...project, test: { ...project.test, include: ["stats.test.ts", "timeline/**/*.test.ts", "app-context/**/*.test.ts", "skopeo/**/*.test.ts"] } });

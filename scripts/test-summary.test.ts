import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { closingLines, summarizeVitestReport } from "./test-summary.mjs";

const test = (fullName: string, status: string, meta: Record<string, unknown> = {}) => ({ fullName, title: fullName, status, meta });
const report = (tests: ReturnType<typeof test>[], extra: Record<string, unknown> = {}) => ({
  numTotalTests: tests.length,
  numPassedTests: tests.filter((t) => t.status === "passed").length,
  numFailedTests: tests.filter((t) => t.status === "failed").length,
  testResults: [{ name: "/repo/a.test.ts", status: "passed", message: "", assertionResults: tests }],
  ...extra,
});

describe("summarizeVitestReport", () => {
  it("counts skipped, pending and todo tests as skipped", () => {
    const summary = summarizeVitestReport(report([test("a", "passed"), test("b", "skipped"), test("c", "pending"), test("d", "todo")]), { ci: false });
    expect(summary).toEqual({ passed: 1, failed: 0, skipped: 3, failures: [] });
  });

  it("under CI fails a file whose skips are not declared expected, naming them", () => {
    const summary = summarizeVitestReport(report([test("a", "passed"), test("needs skopeo", "skipped"), test("soak", "skipped", { expectedSkip: "opt-in" })]), { ci: true });
    expect(summary.passed).toBe(1);
    expect(summary.skipped).toBe(2);
    expect(summary.failed).toBe(1);
    expect(summary.failures).toEqual([expect.stringContaining('/repo/a.test.ts: 1 test skipped under CI=true without being declared expected ("needs skopeo")')]);
    expect(summary.failures[0]).toContain("expectedSkip(reason)");
  });

  it("under CI passes skips that are all declared", () => {
    expect(summarizeVitestReport(report([test("a", "passed"), test("soak", "skipped", { expectedSkip: "opt-in" })]), { ci: true }).failed).toBe(0);
  });

  it("counts a file that failed outside its tests once, and a run of no test", () => {
    const broken = report([test("a", "skipped", { expectedSkip: "x" })]);
    broken.testResults[0]!.status = "failed";
    broken.testResults[0]!.message = "beforeAll threw\nstack";
    expect(summarizeVitestReport(broken, { ci: true }).failures).toEqual(["test file /repo/a.test.ts: beforeAll threw"]);
    expect(summarizeVitestReport({ numTotalTests: 0, testResults: [] }, { ci: false })).toMatchObject({ failed: 1, failures: ["vitest ran no test"] });
  });
});

describe("closingLines", () => {
  it('ends with the plain "N passed, N failed" line CI and the README read, the skips on the line before', () => {
    const lines: string[] = closingLines({ passed: 12, failed: 0, skipped: 3 });
    expect(lines.at(-1)).toBe("12 passed, 0 failed");
    expect(lines.at(-1)).toMatch(/^(\d+) passed, (\d+) failed$/);
    expect(lines[0]).toMatch(/^3 skipped\b/);
  });
});

describe("a real vitest run's report", () => {
  it("carries expectedSkip from a suite to its tests, and CI fails only the undeclared skip", () => {
    const root = fileURLToPath(new URL("./fixtures/skips/", import.meta.url));
    const out = mkdtempSync(join(tmpdir(), "exp-skips-"));
    try {
      const file = join(out, "report.json");
      const run = spawnSync("pnpm", ["exec", "vitest", "run", "--root", root, "--config", join(root, "vitest.config.ts"), "--reporter=json", `--outputFile.json=${file}`], {
        encoding: "utf8",
        env: { ...process.env, CI: "" },
      });
      expect(run.status, run.stderr).toBe(0);
      const json = JSON.parse(readFileSync(file, "utf8"));
      const summary = summarizeVitestReport(json, { ci: true });
      expect(summary).toMatchObject({ passed: 1, skipped: 3, failed: 1 });
      expect(summary.failures).toHaveLength(1);
      expect(summary.failures[0]).toContain('"skips without saying it may"');
      expect(summarizeVitestReport(json, { ci: false }).failed).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

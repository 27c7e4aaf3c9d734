// What `pnpm test:ci` (scripts/run-tests.mjs) makes of vitest's JSON report: passed, failed and
// skipped tests, and the failures to list. Apart from run-tests.mjs so scripts/test-summary.test.ts
// can feed it reports.

/** A test's status in vitest's JSON report that is neither a pass nor a failure: it did not run. */
const NOT_RUN = new Set(["skipped", "pending", "todo", "disabled"]);

/**
 * Counts a vitest JSON report. Under `ci` (CI=true) a skipped test fails the run unless its suite or
 * itself declares the skip as expected (`expectedSkip(reason)` of @exp/testing/vitest, which sets
 * `meta.expectedSkip`): one failure per file, naming its undeclared skips. A missing tool throws
 * at collection in CI already; this catches every other way a test can skip (a hand-rolled
 * condition, `.skip` left in, a file that lost its tool check).
 */
export function summarizeVitestReport(json, { ci }) {
  let passed = json.numPassedTests ?? 0;
  let failed = json.numFailedTests ?? 0;
  let skipped = 0;
  const failures = [];
  for (const file of json.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    // A file that fails outside its tests (it does not load, or a beforeAll/afterAll throws: its
    // tests are then reported as skipped, not failed) counts once, so it cannot pass silently.
    if (file.status === "failed" && !tests.some((test) => test.status === "failed")) {
      failed++;
      failures.push(`test file ${file.name}: ${String(file.message || "failed outside its tests (a hook); see vitest's output above").split("\n")[0]}`);
    }
    const notRun = tests.filter((test) => NOT_RUN.has(test.status));
    skipped += notRun.length;
    const undeclared = notRun.filter((test) => typeof test.meta?.expectedSkip !== "string");
    if (ci && undeclared.length > 0) {
      failed++;
      const names = undeclared.slice(0, 3).map((test) => JSON.stringify(test.fullName ?? test.title));
      const more = undeclared.length > 3 ? ` and ${undeclared.length - 3} more` : "";
      failures.push(
        `test file ${file.name}: ${undeclared.length} test${undeclared.length === 1 ? "" : "s"} skipped under CI=true without being declared expected (${names.join(", ")}${more}); ` +
          "install what they need, or declare the skip with expectedSkip(reason) from @exp/testing/vitest",
      );
    }
  }
  if ((json.numTotalTests ?? 0) === 0) {
    failed++;
    failures.push("vitest ran no test");
  }
  return { passed, failed, skipped, failures };
}

/**
 * The last two lines of `pnpm test:ci`: the skipped count, then the plain "N passed, N failed"
 * line that CI and the README's set-up contract read, last and alone.
 */
export function closingLines({ passed, failed, skipped }) {
  return [`${skipped} skipped`, `${passed} passed, ${failed} failed`];
}

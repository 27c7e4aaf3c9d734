#!/usr/bin/env node
// The README's test command (`pnpm test:ci`): the build, the vitest suite, then the checks that
// gate a release (typecheck, publint + attw on every package). The build comes first because the
// release test (release/) publishes and installs the built packages; the other tests need no
// build (they run the TypeScript sources through the "@exp/source" condition). CI does not read vitest's
// summary, so this ends with the skipped count and then one plain line, "N passed, N failed"
// (tests plus checks). Under CI=true a skip no test file declares as expected is a failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closingLines, summarizeVitestReport } from "./test-summary.mjs";

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function check(name, command, args) {
  console.log(`\n== ${name}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

check("build", "pnpm", ["build"]);

const out = mkdtempSync(join(tmpdir(), "exp-vitest-"));
const report = join(out, "report.json");
console.log("== tests: vitest run");
const vitest = spawnSync("pnpm", ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], { stdio: "inherit" });
try {
  const summary = summarizeVitestReport(JSON.parse(readFileSync(report, "utf8")), { ci: process.env.CI === "true" });
  passed += summary.passed;
  failed += summary.failed;
  skipped += summary.skipped;
  failures.push(...summary.failures);
} catch (error) {
  failed++;
  failures.push(`vitest report unreadable (exit ${vitest.status}): ${error.message}`);
}
rmSync(out, { recursive: true, force: true });

check("typecheck", "pnpm", ["typecheck"]);
check("publint + attw", "pnpm", ["-r", "--filter", "./packages/*", "lint"]);

if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
console.log(`\n${closingLines({ passed, failed, skipped }).join("\n")}`);
process.exitCode = failed > 0 ? 1 : 0;

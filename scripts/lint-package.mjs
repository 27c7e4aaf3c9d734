#!/usr/bin/env node
// Pack-time gates for one package (run from its directory): publint on the packed tarball and
// "are the types wrong" on the same tarball, so both judge exactly what npm users would install.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "exp-pack-"));
try {
  execFileSync("pnpm", ["pack", "--pack-destination", out], { stdio: ["ignore", "ignore", "inherit"] });
  const tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz")));
  execFileSync("publint", ["--strict", tarball], { stdio: "inherit" });
  execFileSync("attw", [tarball, "--profile", "node16"], { stdio: "inherit" });
} finally {
  rmSync(out, { recursive: true, force: true });
}

import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

/** The names in a tar, listed by GNU tar itself. */
function tarNames(bytes: Buffer): string[] {
  return execFileSync("tar", ["-t"], { input: bytes, encoding: "utf8" }).split("\n").filter(Boolean).sort();
}

describe("-o - in process", () => {
  it.each([
    ["-o -", ["-o", "-"], ["README.txt", "app/", "app/lib.js", "app/main.js"]],
    ["type=oci,dest=-", ["-o", "type=oci,dest=-"], ["blobs/", "blobs/sha256/", "index.json", "oci-layout"]],
  ])("%s writes the archive to the stdout runCli was given, and nothing to process.stdout", async (_name, output, expected) => {
    const chunks: Buffer[] = [];
    const processWrite = vi.spyOn(process.stdout, "write");
    try {
      const result = await run(["build", fx.context, ...output, "--root", fx.store], { stdout: { write: (chunk) => (chunks.push(Buffer.from(chunk)), true) } });
      expect(result.code, result.stderr).toBe(0);
      expect(processWrite).not.toHaveBeenCalled();
    } finally {
      processWrite.mockRestore();
    }
    const names = tarNames(Buffer.concat(chunks));
    for (const name of expected) expect(names).toContain(name);
  });
});

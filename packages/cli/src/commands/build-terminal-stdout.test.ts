import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

/** A stdout that says it is a terminal, as process.stdout does when nothing redirects it. */
function terminalStdout() {
  const chunks: Array<string | Uint8Array> = [];
  return { stream: { write: (chunk: string | Uint8Array) => (chunks.push(chunk), true), isTTY: true, columns: 80 }, chunks };
}

describe("-o - on a terminal", () => {
  it.each([[["-o", "-"]], [["-o", "type=oci,dest=-"]], [["-o", "type=docker,dest=-,name=app:1"]]])("%j is refused before any work: exit 2, nothing written", async (output) => {
    const stdout = terminalStdout();
    const result = await run(["build", fx.context, ...output, "--root", fx.store], { stdout: stdout.stream });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: -o type=(tar|oci|docker),dest=-: refusing to write the \w+ archive to a terminal; redirect stdout to a file \(.*\) or give dest=<file>\n$/);
    expect(stdout.chunks).toEqual([]);
    // Refused before the store was even opened.
    await expect(access(fx.store)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a file dest is fine on a terminal", async () => {
    const stdout = terminalStdout();
    const dest = join(fx.dir, "out.tar");
    const result = await run(["build", fx.context, "-o", `type=tar,dest=${dest}`, "--root", fx.store], { stdout: stdout.stream });
    expect(result.code).toBe(0);
    expect((await readFile(dest)).length).toBeGreaterThan(0);
    expect(stdout.chunks).toEqual([]);
  });
});

import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createParallelGzip } from "../parallel-gzip.js";
import { noise, textLike, through } from "../test/support.js";

// Debian's gzip 1.12 and pigz 2.8 (scripts/setup.sh installs pigz) read what this package writes:
// `gzip -t` checks the deflate stream, the CRC and the length; `pigz -d` decodes it on its own
// code. Go's decompressor is tested through umoci and skopeo (the solver's image tests).
const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-pgzip-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `command` with `input` on stdin and returns its stdout. */
function filter(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

describe("gzip and pigz read it", () => {
  const blockSize = 128 * 1024;
  const cases = [
    { name: "empty", input: Buffer.alloc(0) },
    { name: "one block exactly", input: textLike(blockSize) },
    { name: "many blocks, text and noise", input: Buffer.concat([textLike(9 * blockSize + 99), noise(2 * blockSize), textLike(12345)]) },
  ];
  for (const level of [0, 1, 6, 9]) {
    for (const { name, input } of cases) {
      it(`${name} at level ${level}`, async () => {
        const out = await through(createParallelGzip({ level, blockSize }), [input]);
        const file = join(dir, `${name.replace(/\W+/g, "-")}-${level}.gz`);
        await writeFile(file, out);
        await run("gzip", ["-t", file]);
        expect((await filter("gzip", ["-dc"], out)).equals(input)).toBe(true);
        expect((await filter("pigz", ["-dc"], out)).equals(input)).toBe(true);
      });
    }
  }

  it("gzip -t refuses a stream whose CRC was changed (the check above can fail)", async () => {
    const out = await through(createParallelGzip({ blockSize }), [textLike(3 * blockSize)]);
    out[out.length - 8]! ^= 1;
    const file = join(dir, "bad-crc.gz");
    await writeFile(file, out);
    await expect(run("gzip", ["-t", file])).rejects.toThrow(/crc error|invalid compressed data/);
  });
});

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Before/after probe for the store's read size (see OPTIMIZATIONS.md): CPU time to read and
 * sha256 a 300 MiB blob with 64 KiB reads (Node's default), 256 KiB and 1 MiB reads, alternating,
 * three times each, from the page cache. Usage: node --import tsx bench/tools/read-chunk-size.ts
 */
const dir = await mkdtemp(join(tmpdir(), "exp-read-chunk-"));
const path = join(dir, "blob");
try {
  await writeFile(path, randomBytes(300 * 1024 * 1024));
  const cpuMs: Record<string, number[]> = { "64 KiB": [], "256 KiB": [], "1 MiB": [] };
  for (let round = 0; round < 3; round++) {
    for (const [label, size] of [["64 KiB", 64 * 1024], ["256 KiB", 256 * 1024], ["1 MiB", 1024 * 1024]] as const) {
      const before = process.cpuUsage();
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(path, { highWaterMark: size })) hash.update(chunk as Buffer);
      hash.digest();
      const used = process.cpuUsage(before);
      cpuMs[label]!.push(Math.round((used.user + used.system) / 1000));
    }
  }
  console.log(JSON.stringify(cpuMs));
} finally {
  await rm(dir, { recursive: true, force: true });
}

import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Text made of random 3–10 letter words, streamed to disk: compresses about like real app layers (~0.3 with gzip). */
export async function writeTextLike(path: string, size: number): Promise<void> {
  const words = Array.from({ length: 4096 }, () => randomBytes(8).toString("base64").replace(/[^a-z]/gi, "").slice(0, 3 + Math.floor(Math.random() * 8)));
  async function* chunks() {
    for (let left = size; left > 0; ) {
      const parts: string[] = [];
      let length = 0;
      while (length < 65_536) {
        const word = words[Math.floor(Math.random() * words.length)]!;
        parts.push(word);
        length += word.length + 1;
      }
      const chunk = Buffer.from(parts.join(" ")).subarray(0, Math.min(65_536, left));
      left -= chunk.length;
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/**
 * A build context of `layers` directories, each holding `filesPerLayer` text-like files, and a
 * Dockerfile with one COPY per directory: what a CI build of a prebuilt app looks like.
 */
export async function writeContext(dir: string, options: { layers: number; bytesPerLayer: number; filesPerLayer: number }): Promise<void> {
  const lines = ["FROM scratch", "WORKDIR /app"];
  for (let i = 0; i < options.layers; i++) {
    const part = join(dir, `part-${String(i).padStart(2, "0")}`);
    await mkdir(part, { recursive: true });
    for (let f = 0; f < options.filesPerLayer; f++) await writeTextLike(join(part, `file-${f}.txt`), Math.floor(options.bytesPerLayer / options.filesPerLayer));
    lines.push(`COPY part-${String(i).padStart(2, "0")}/ ./part-${i}/`);
  }
  lines.push('CMD ["/app/start"]');
  await writeFile(join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
}

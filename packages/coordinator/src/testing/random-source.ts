import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createRef, tarballLayer, type ExportSource, type Layer } from "@exp/solver";

/** Writes `size` random bytes to a file in 64 KiB chunks (never the whole thing in memory). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  async function* chunks() {
    for (let left = size; left > 0; left -= 65_536) yield randomBytes(Math.min(65_536, left));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/** A single-platform source whose layers are random files of the given sizes. */
export async function randomSource(dir: string, layerSizes: readonly number[]): Promise<ExportSource> {
  const layers: Layer[] = [];
  for (const [i, size] of layerSizes.entries()) {
    const path = join(dir, `layer-${i}.tar`);
    await writeRandomFile(path, size);
    layers.push(await tarballLayer(path));
  }
  const platform = { os: "linux", architecture: "amd64" };
  return { results: [{ platform, ref: createRef(layers), config: { ...platform } }], multiPlatform: false, metadata: {} };
}

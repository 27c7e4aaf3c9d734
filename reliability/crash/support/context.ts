import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
// @exp/testing keeps its PRNG internal (its index exports the services); the file is plain and pure.
import { seededRandom } from "../../../packages/testing/src/prng.js";

/**
 * Three COPY layers: one the store already holds after its first build (a cache hit, as in real
 * use), one of fresh random bytes each trial (so every trial makes, compresses and ingests a new
 * MiB-size layer, slow enough to be killed in the middle of), and a few small fresh files.
 */
export const dockerfile = "FROM scratch\nCOPY base.bin /data/base.bin\nCOPY trial.bin notes.txt /data/\nCOPY conf/ /etc/crash/\n";

const MiB = 1024 * 1024;

/** Writes the context of one trial; `storeSeed` fixes the shared layer, `trialSeed` the fresh ones. */
export async function writeContext(dir: string, storeSeed: number, trialSeed: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "conf"), { recursive: true });
  const trial = seededRandom(trialSeed);
  await writeFile(join(dir, "Dockerfile"), dockerfile);
  await writeFile(join(dir, "base.bin"), randomBytes(seededRandom(storeSeed), 2 * MiB));
  await writeFile(join(dir, "trial.bin"), randomBytes(trial, MiB));
  await writeFile(join(dir, "notes.txt"), text(trial, 256 * 1024));
  for (const name of ["a.conf", "b.conf", "c.conf"]) await writeFile(join(dir, "conf", name), text(trial, 512));
}

/** Incompressible: gzip has to work through every byte. */
function randomBytes(rng: () => number, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(Math.floor(rng() * 0x1_0000_0000), i);
  return out;
}

/** Compressible text, so one layer compresses to a fraction of its size and another does not. */
function text(rng: () => number, size: number): string {
  const words = ["layer", "blob", "lease", "ingest", "history", "digest", "manifest", "index", "cache", "root"];
  let out = "";
  while (out.length < size) out += `${words[Math.floor(rng() * words.length)]}${rng() < 0.1 ? "\n" : " "}`;
  return out.slice(0, size);
}

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { writeContext } from "../fixtures.js";
import type { Scenario } from "../scenario.js";
import { round } from "../stats.js";

const run = promisify(execFile);
const layers = 16;
const mibPerLayer = 128;

/**
 * Peak RSS of a process that builds a 2 GiB context and gzip-compresses every layer. Every blob
 * is streamed (file -> tar -> store -> gzip -> store), so memory must not grow with the data.
 * The build runs in a child process so the measurement is its own, not the benchmark runner's.
 */
export const scenario: Scenario = {
  name: "memory",
  description: `peak RSS building and gzip-compressing a ${(layers * mibPerLayer) / 1024} GiB context in ${layers} layers`,
  targets: [{ metric: "peak_rss_mib", max: 200 }],
  async run({ signal, log }) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-memory-"));
    try {
      log("writing the context");
      await writeContext(join(dir, "context"), { layers, bytesPerLayer: mibPerLayer * 1024 * 1024, filesPerLayer: 4 });
      log("building in a child process");
      const { stdout } = await run(process.execPath, ["--conditions=@exp/source", "--import", "tsx", join(import.meta.dirname, "..", "memory-child.ts"), dir], {
        signal,
        maxBuffer: 1 << 20,
      });
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { max_rss_kib: number; elapsed_ms: number; layers: number };
      return { peak_rss_mib: round(result.max_rss_kib / 1024, 1), elapsed_ms: result.elapsed_ms, layers: result.layers, context_gib: (layers * mibPerLayer) / 1024 };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

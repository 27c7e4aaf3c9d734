import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TimelineEntry } from "@exp/coordinator";
import { renderTimelineSvg } from "./render-svg.js";

/** Writes bench/timeline.svg (atomically): the sequential export above the parallel one. */
export async function writeTimelineSvg(options: { title: string; sequential: readonly TimelineEntry[]; parallel: readonly TimelineEntry[] }): Promise<string> {
  const path = join(import.meta.dirname, "..", "timeline.svg");
  const svg = renderTimelineSvg(options.title, [
    { label: "sequential (--sequential-export, before PR #6451)", entries: options.sequential },
    { label: "parallel (exp)", entries: options.parallel },
  ]);
  await writeFile(`${path}.tmp`, svg);
  await rename(`${path}.tmp`, path);
  return path;
}

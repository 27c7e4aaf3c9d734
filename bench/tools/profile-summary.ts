import { readFile } from "node:fs/promises";

/** The parts of a V8 .cpuprofile this summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Self time per function (name, file, line), largest first, with (idle), (program) and (garbage
 * collector) as V8 names them; the file is shortened to the package it is in.
 */
export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(id)!.callFrame;
    totalUs += dt;
    if (frame.functionName === "(idle)") idleUs += dt;
    const key = `${frame.functionName || "(anonymous)"} ${shorten(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  });
  const busyUs = totalUs - idleUs;
  const rows = [...selfUs].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `profiled ${(totalUs / 1000).toFixed(0)} ms, main thread busy ${(busyUs / 1000).toFixed(0)} ms`,
    ...rows.map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${k}`),
  ].join("\n");
}

function shorten(url: string): string {
  const m = /(?:node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?|packages\/)((?:@[^/]+\/)?[^/]+\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, "");
}

// Usage: node --import tsx bench/tools/profile-summary.ts <file.cpuprofile> [top]
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarizeProfile(JSON.parse(await readFile(process.argv[2]!, "utf8")) as CpuProfile, Number(process.argv[3] ?? 25)));
}

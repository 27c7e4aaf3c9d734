import { describe, expect, it } from "vitest";
import type { TimelineEntry } from "@exp/coordinator";
import { renderTimelineSvg } from "./render-svg.js";

const entry = (vertex: string, name: string, phase: TimelineEntry["phase"], start: number, end: number): TimelineEntry => ({ vertex, name, phase, start, end, status: "completed" });

describe("renderTimelineSvg", () => {
  const sequential = [entry("export-0", "image", "create", 0, 100), entry("export-0", "image", "finalize", 100, 2100), entry("cache-0", "s3 <cache>", "cache-finalize", 2100, 4100)];
  const parallel = [entry("export-0", "image", "create", 0, 100), entry("export-0", "image", "finalize", 100, 2100), entry("cache-0", "s3 <cache>", "cache-finalize", 100, 2150)];
  const svg = renderTimelineSvg("seed", [
    { label: "sequential", entries: sequential },
    { label: "parallel", entries: parallel },
  ]);

  it("draws one bar per span, scaled to the longest run, one row per exporter per block", () => {
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"[^>]*><title>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) }));
    expect(bars).toHaveLength(6);
    const longest = bars[2]!; // the sequential cache finalize: 2 s ending at the axis end
    expect(longest.x + longest.w).toBeCloseTo(940, 0);
    // The parallel cache bar starts where the image's finalize starts, not after it.
    expect(bars[5]!.x).toBeCloseTo(bars[4]!.x, 1);
    expect(bars[5]!.y).toBeGreaterThan(bars[4]!.y);
    expect(svg).toContain("sequential: 4.10 s");
    expect(svg).toContain("parallel: 2.15 s");
  });

  it("escapes names and is deterministic", () => {
    expect(svg).toContain("s3 &lt;cache&gt;");
    expect(svg).not.toContain("s3 <cache>");
    expect(renderTimelineSvg("seed", [{ label: "parallel", entries: parallel }])).toBe(renderTimelineSvg("seed", [{ label: "parallel", entries: parallel }]));
  });
});

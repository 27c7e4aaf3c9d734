import type { TimelineEntry } from "@exp/coordinator";

/** One export's timeline, drawn as a block of rows (one row per exporter). */
export interface TimelineBlock {
  label: string;
  entries: readonly TimelineEntry[];
}

const width = 960;
const labelWidth = 220;
const rowHeight = 22;
const blockGap = 34;
const top = 40;
const colors: Record<TimelineEntry["phase"], string> = {
  "inline-cache": "#9b59b6",
  create: "#85c1e9",
  "cache-create": "#a9dfbf",
  finalize: "#2e86c1",
  "cache-finalize": "#27ae60",
};

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/**
 * An SVG of several export timelines on one time axis: each block (e.g. "sequential", "parallel")
 * has one row per exporter vertex, with its create and finalize phases as bars, so the time saved
 * by running finalizers in parallel is visible at a glance. Pure: same input, same bytes.
 */
export function renderTimelineSvg(title: string, blocks: readonly TimelineBlock[]): string {
  const end = Math.max(1, ...blocks.flatMap((b) => b.entries.map((e) => e.end)));
  const scale = (width - labelWidth - 20) / end;
  const parts: string[] = [];
  let y = top;
  for (const block of blocks) {
    const vertices = [...new Map(block.entries.map((e) => [e.vertex, e.name])).entries()];
    const wall = Math.max(0, ...block.entries.map((e) => e.end));
    parts.push(`<text x="8" y="${y + 14}" font-weight="bold">${escape(block.label)}: ${(wall / 1000).toFixed(2)} s</text>`);
    y += rowHeight;
    for (const [vertex, name] of vertices) {
      parts.push(`<text x="16" y="${y + 15}">${escape(name.length > 34 ? `${name.slice(0, 33)}…` : name)}</text>`);
      for (const e of block.entries.filter((entry) => entry.vertex === vertex)) {
        const x = labelWidth + e.start * scale;
        const w = Math.max(1, (e.end - e.start) * scale);
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colors[e.phase]}"><title>${escape(`${e.phase} ${name}: ${(e.start / 1000).toFixed(2)}–${(e.end / 1000).toFixed(2)} s (${e.status})`)}</title></rect>`,
        );
      }
      y += rowHeight;
    }
    y += blockGap - rowHeight;
  }
  // Time axis, one tick per second (or per 10 s for long runs).
  const step = end > 20_000 ? 10_000 : 1000;
  for (let t = 0; t <= end; t += step) {
    const x = labelWidth + t * scale;
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${y + 14}" text-anchor="middle" fill="#666">${t / 1000} s</text>`);
  }
  const legend = (Object.keys(colors) as Array<TimelineEntry["phase"]>).map(
    (phase, i) => `<rect x="${labelWidth + i * 140}" y="${y + 26}" width="12" height="12" fill="${colors[phase]}"/><text x="${labelWidth + i * 140 + 16}" y="${y + 37}">${phase}</text>`,
  );
  const height = y + 50;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    // Grid lines first so the bars are drawn over them.
    ...parts.filter((p) => p.startsWith("<line")),
    ...parts.filter((p) => !p.startsWith("<line")),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}

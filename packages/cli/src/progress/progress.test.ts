import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "@exp/solver";
import { PlainPrinter } from "./plain.js";
import { effectiveMode } from "./printer.js";
import { TtyPrinter } from "./tty.js";
import { progressBytes } from "./units.js";

const t0 = 1_700_000_000_000;
const vertex = (id: string, name: string, status: "started" | "completed" | "cached" | "error" | "canceled", at: number, extra: { parent?: string; error?: string } = {}): ProgressEvent => ({
  type: "vertex",
  id,
  name,
  status,
  at: t0 + at,
  ...extra,
});
const bytes = (vertexId: string, id: string, current: number, total: number | undefined, at: number): ProgressEvent => ({
  type: "bytes",
  vertex: vertexId,
  id,
  action: "uploading",
  current,
  ...(total === undefined ? {} : { total }),
  at: t0 + at,
});

const digestA = `sha256:${"a".repeat(64)}`;
const digestB = `sha256:${"b".repeat(64)}`;

/** Two exporters pushing at the same time, their events interleaved, as the coordinator's finalize phase makes them. */
const parallelPush: ProgressEvent[] = [
  vertex("op-0", "COPY app /app", "started", 0),
  vertex("op-0", "COPY app /app", "completed", 120),
  vertex("op-1", "COPY README.txt /", "started", 130),
  vertex("op-1", "COPY README.txt /", "cached", 131),
  vertex("export-0", "exporting to image", "started", 200),
  vertex("export-1", "exporting cache to registry", "started", 200),
  vertex("export-0/push", "pushing layers", "started", 300, { parent: "export-0" }),
  vertex("export-1/push", "pushing cache", "started", 300, { parent: "export-1" }),
  bytes("export-0/push", digestA, 100, 1000, 310),
  bytes("export-1/push", digestB, 10, 50, 320),
  bytes("export-0/push", digestA, 200, 1000, 400),
  bytes("export-0/push", digestA, 900, 1000, 1400),
  bytes("export-0/push", digestA, 1000, 1000, 1450),
  bytes("export-1/push", digestB, 50, 50, 1500),
  vertex("export-1/push", "pushing cache", "error", 1600, { parent: "export-1", error: "unauthorized" }),
  vertex("export-1", "exporting cache to registry", "error", 1600, { error: "unauthorized" }),
  vertex("export-0/push", "pushing layers", "canceled", 1610, { parent: "export-0" }),
  vertex("export-0", "exporting to image", "canceled", 1610),
  { type: "warning", vertex: "export-1", message: "cache export failed", at: t0 + 1620 },
];

const a = digestA;
const b = digestB;

describe("PlainPrinter", () => {
  it("prints buildx's plain format: one vertex at a time, sub-steps and blobs as its status lines", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 0 });
    for (const event of parallelPush) printer.onEvent(event);
    printer.warn("JSONArgsRecommended: use JSON arguments for CMD");
    printer.close();
    expect(out).toBe(
      [
        "#1 COPY app /app",
        "#1 DONE 0.1s",
        "",
        "#2 COPY README.txt /",
        "#2 CACHED",
        "",
        // The cache exporter started at the same time; its news waits while #3 holds the output.
        "#3 exporting to image",
        "#3 pushing layers",
        `#3 uploading ${a} 100B / 1.00kB`,
        `#3 uploading ${a} 200B / 1.00kB 0.1s`,
        `#3 uploading ${a} 900B / 1.00kB 1.1s`,
        `#3 uploading ${a} 1.00kB / 1.00kB 1.1s done`,
        // What ended is printed first; #3, unfinished, is marked and comes back later.
        "#3 ...",
        "",
        "#4 exporting cache to registry",
        `#4 uploading ${b} 50B / 50B 1.2s done`,
        "#4 pushing cache 1.3s ERROR",
        "#4 ERROR: unauthorized",
        "",
        "#3 exporting to image",
        "#3 pushing layers 1.3s CANCELED",
        "#3 CANCELED",
        "",
        "#4 exporting cache to registry",
        "#4 WARN: cache export failed",
        "",
        "2 warnings found:",
        " - cache export failed",
        " - JSONArgsRecommended: use JSON arguments for CMD",
        "",
      ].join("\n"),
    );
  });

  it("prints a moving blob again only when it moved 5% or 5 s passed, and always when it ends", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 0 });
    printer.onEvent(vertex("export-0", "exporting to image", "started", 0));
    for (const [current, at] of [[0, 0], [10, 100], [40, 200], [60, 300], [61, 5400], [1000, 5500]] as const) printer.onEvent(bytes("export-0", a, current, 1000, at));
    printer.onEvent(vertex("export-0", "exporting to image", "completed", 5600));
    expect(out.split("\n").filter((l) => l.includes("uploading")).map((l) => l.slice(l.indexOf(a) + a.length + 1))).toEqual([
      "0B / 1.00kB",
      "60B / 1.00kB 0.3s",
      "61B / 1.00kB 5.4s",
      "1.00kB / 1.00kB 5.5s done",
    ]);
    expect(out.trimEnd().split("\n").at(-1)).toBe("#1 DONE 5.6s");
  });

  it("finishes every status line of a vertex that ended, even a blob whose total never came", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 0 });
    printer.onEvent(vertex("export-0", "exporting to oci image format", "started", 0));
    printer.onEvent({ type: "bytes", vertex: "export-0", id: a, action: "compressing", current: 4096, at: t0 + 100 });
    printer.onEvent(vertex("export-0", "exporting to oci image format", "completed", 300));
    expect(out).toBe(["#1 exporting to oci image format", `#1 compressing ${a} 4.10kB`, `#1 compressing ${a} 4.10kB 0.2s done`, "#1 DONE 0.3s", ""].join("\n"));
  });

  it("names sub-steps by what they are, never by their internal ids", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 0 });
    printer.onEvent(vertex("export-0", "exporting to image", "started", 0));
    // Bytes of a push whose own vertex event never came: they belong to the exporter.
    printer.onEvent(bytes("export-0/push-127.0.0.1:5000/app:1", a, 1000, 1000, 10));
    printer.onEvent(vertex("export-0", "exporting to image", "completed", 20));
    expect(out).not.toContain("export-0");
    expect(out).toContain(`#1 uploading ${a} 1.00kB / 1.00kB done`);
  });

  it("prints on a tick, so a step that starts and ends within it is one line", async () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 20 });
    printer.onEvent(vertex("export-0", "exporting to image", "started", 0));
    printer.onEvent(vertex("export-0/config", `exporting config ${a}`, "started", 1, { parent: "export-0" }));
    printer.onEvent(vertex("export-0/config", `exporting config ${a}`, "completed", 1, { parent: "export-0" }));
    expect(out).toBe("");
    await new Promise((r) => setTimeout(r, 60));
    expect(out).toBe(`#1 exporting to image\n#1 exporting config ${a} done\n`);
    printer.onEvent(vertex("export-0", "exporting to image", "completed", 100));
    printer.close();
    expect(out.endsWith("#1 DONE 0.1s\n")).toBe(true);
  });

  it("announces a vertex that is only ever reported cached", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { tickMs: 0 });
    printer.onEvent(vertex("op-0", "COPY a /", "cached", 5));
    expect(out).toBe("#1 COPY a /\n#1 CACHED\n");
  });
});

describe("TtyPrinter", () => {
  it("shows two levels, as buildx: each vertex, then its sub-steps and blobs, times in the right column", () => {
    let now = t0;
    let out = "";
    const printer = new TtyPrinter((t) => (out += t), { intervalMs: 0, color: false, columns: 100, now: () => now });
    for (const event of parallelPush.slice(0, 10)) printer.onEvent(event);
    now = t0 + 500;
    const lines = printer.render(false);
    expect(lines[0]).toBe("[+] Building 0.5s (2/4)");
    for (const line of lines.slice(1)) expect(line).toHaveLength(99);
    expect(lines.slice(1).map((l) => l.replace(/ +/g, " "))).toEqual([
      " => COPY app /app 0.1s",
      " => CACHED COPY README.txt / 0.0s",
      " => exporting to image 0.3s",
      " => => pushing layers 0.2s",
      ` => => uploading ${a.slice(0, 62)} 100B / 1.00kB 0.2s`,
      " => exporting cache to registry 0.3s",
      " => => pushing cache 0.2s",
      ` => => uploading ${b.slice(0, 66)} 10B / 50B 0.2s`,
    ]);
    for (const event of parallelPush.slice(10)) printer.onEvent(event);
    now = t0 + 1700;
    printer.close();
    const final = out.slice(out.lastIndexOf("[+]"));
    expect(final).toContain("[+] Building 1.7s (4/4) FINISHED\n");
    expect(final).toMatch(/ => ERROR exporting cache to registry +1\.4s\n/);
    expect(final).toMatch(/ => => pushing cache ERROR +1\.3s\n/);
    expect(final).toMatch(/ => CANCELED exporting to image +1\.4s\n/);
    expect(final).toContain("1 warning found:\n - cache export failed\n");
  });

  it("says FINISHED only when every vertex ended", () => {
    const printer = new TtyPrinter(() => {}, { intervalMs: 0, color: false, now: () => t0 + 1000 });
    printer.onEvent(vertex("op-0", "COPY a /", "started", 0));
    printer.onEvent(vertex("op-0", "COPY a /", "completed", 10));
    printer.onEvent(vertex("op-1", "COPY b /", "started", 20));
    expect(printer.render(true)[0]).toBe("[+] Building 0.0s (1/2)");
    printer.onEvent(vertex("op-1", "COPY b /", "completed", 30));
    expect(printer.render(true)[0]).toBe("[+] Building 0.0s (2/2) FINISHED");
  });

  it("while running shows only what fits, keeping unfinished lines in view", () => {
    const printer = new TtyPrinter(() => {}, { intervalMs: 0, color: false, rows: 6, now: () => t0 + 1000 });
    printer.onEvent(vertex("op-0", "COPY slow /", "started", 0));
    for (let i = 1; i <= 8; i++) {
      printer.onEvent(vertex(`op-${i}`, `COPY f${i} /`, "started", i));
      printer.onEvent(vertex(`op-${i}`, `COPY f${i} /`, "completed", i + 1));
    }
    const lines = printer.render(false);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain("COPY slow /");
    expect(lines.at(-1)).toContain("COPY f8 /");
    expect(printer.render(true)).toHaveLength(10);
  });

  it("redraws in place: cursor up over the previous frame, then clear", async () => {
    let out = "";
    const printer = new TtyPrinter((t) => (out += t), { intervalMs: 5, color: false });
    printer.onEvent(vertex("op-0", "COPY a /", "started", 0));
    await new Promise((r) => setTimeout(r, 30));
    printer.onEvent(vertex("op-0", "COPY a /", "completed", 10));
    printer.close();
    expect(out).toContain("\x1b[2A\r\x1b[J[+] Building");
  });

  it("keeps lines within the terminal width", () => {
    const printer = new TtyPrinter(() => {}, { intervalMs: 0, color: false, columns: 50, now: () => t0 + 1000 });
    printer.onEvent(vertex("op-0", `COPY ${"x".repeat(100)} /`, "started", 0));
    for (const line of printer.render(false)) expect(line.length).toBeLessThanOrEqual(49);
  });
});

describe("progressBytes", () => {
  it("prints sizes as BuildKit's %.2f of units.Bytes", () => {
    expect([0, 999, 1000, 1234, 3_400_000, 16_384, 2_000_000_000].map(progressBytes)).toEqual(["0B", "999B", "1.00kB", "1.23kB", "3.40MB", "16.38kB", "2.00GB"]);
  });
});

describe("effectiveMode", () => {
  it("auto is tty on a terminal, plain otherwise and in CI", () => {
    expect(effectiveMode("auto", true, {})).toBe("tty");
    expect(effectiveMode("auto", false, {})).toBe("plain");
    expect(effectiveMode("auto", true, { CI: "true" })).toBe("plain");
    expect(effectiveMode("auto", true, { TERM: "dumb" })).toBe("plain");
    expect(effectiveMode("rawjson", true, {})).toBe("rawjson");
  });
});

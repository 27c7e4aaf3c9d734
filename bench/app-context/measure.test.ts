import { describe, expect, it } from "vitest";
import { stepSplit } from "./measure.js";

const vertex = (id: string, name: string, status: string, at: number, parent?: string) => JSON.stringify({ type: "vertex", id, name, status, at, ...(parent ? { parent } : {}) });
const bytes = (current: number, at: number) => JSON.stringify({ type: "bytes", vertex: "export-0", id: "sha256:x", action: "compressing", current, total: 100, at });

describe("app-context step split from --progress=rawjson", () => {
  it("times the context load, the COPY, the gzip and the export, and ignores lines that are not events", () => {
    const raw = [
      vertex("load-definition", "[internal] load build definition from Dockerfile", "started", 1000),
      vertex("load-definition", "[internal] load build definition from Dockerfile", "completed", 1005),
      vertex("op-0", "[internal] load build context", "started", 1010),
      vertex("op-0/transfer", "transferring context: 2MB", "started", 1011, "op-0"),
      vertex("op-0", "[internal] load build context", "completed", 1300),
      vertex("op-1", "[1/1] COPY . /app/node_modules/", "started", 1300),
      vertex("op-1", "[1/1] COPY . /app/node_modules/", "completed", 2300),
      "WARNING: not json",
      vertex("export-0", "exporting to oci image format", "started", 2310),
      bytes(0, 2320),
      bytes(100, 2820),
      vertex("export-0/tarball", "sending tarball", "started", 2830, "export-0"),
      vertex("export-0", "exporting to oci image format", "completed", 2900),
    ].join("\n");
    expect(stepSplit(raw)).toEqual({ load_context_ms: 290, copy_ms: 1000, gzip_ms: 500, export_ms: 590, events_ms: 1900 });
  });

  it("reports no gzip when no layer was compressed (a warm build)", () => {
    const raw = [vertex("op-1", "[1/1] COPY . /app/node_modules/", "started", 10), vertex("op-1", "[1/1] COPY . /app/node_modules/", "cached", 12)].join("\n");
    expect(stepSplit(raw)).toMatchObject({ copy_ms: 2, gzip_ms: 0 });
  });
});

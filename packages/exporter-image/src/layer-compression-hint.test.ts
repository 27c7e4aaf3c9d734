import { describe, expect, it } from "vitest";
import { imageExporter, registryExporter } from "./image-exporter.js";

describe("layerCompression: the hint that lets a build compress its layers as it writes them", () => {
  it("is the compression the exporter will ask for", () => {
    expect(imageExporter.resolve({}).layerCompression).toEqual({ type: "gzip", force: false });
    expect(registryExporter.resolve({ name: "registry.example/a:1", compression: "zstd", "compression-level": "9", "force-compression": "true" }).layerCompression).toEqual({
      type: "zstd",
      level: 9,
      force: true,
    });
  });

  it("is absent with rewrite-timestamp, whose export rewrites the build's layers", () => {
    expect(imageExporter.resolve({ "rewrite-timestamp": "true" }).layerCompression).toBeUndefined();
  });
});

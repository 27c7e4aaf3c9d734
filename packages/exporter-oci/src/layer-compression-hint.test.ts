import { describe, expect, it } from "vitest";
import { dockerExporter, ociExporter } from "./oci-exporter.js";

describe("layerCompression: the hint that lets a build compress its layers as it writes them", () => {
  it("is the compression the oci and docker exporters will ask for; absent with rewrite-timestamp", () => {
    expect(ociExporter.resolve({ dest: "/tmp/x.tar", compression: "uncompressed" }).layerCompression).toEqual({ type: "uncompressed", force: false });
    expect(dockerExporter.resolve({ dest: "/tmp/x.tar", "compression-level": "1" }).layerCompression).toEqual({ type: "gzip", level: 1, force: false });
    expect(ociExporter.resolve({ dest: "/tmp/x.tar", "rewrite-timestamp": "true" }).layerCompression).toBeUndefined();
  });
});

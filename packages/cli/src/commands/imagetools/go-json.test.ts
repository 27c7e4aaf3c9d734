import type { Digest } from "@exp/oci-spec";
import { describe, expect, it } from "vitest";
import { marshalIndex } from "./go-index.js";
import { GoDecodeError, goDecode, goMarshalIndent } from "./go-json.js";
import { imageType } from "./go-types.js";
import { goFormatFloat } from "./go-format.js";

const d1 = `sha256:${"1".repeat(64)}` as Digest;
const d2 = `sha256:${"2".repeat(64)}` as Digest;

describe("Go's encoding/json as buildx writes an index", () => {
  it("writes ocispecs.Index's field order, descriptor fields in Go's order, sorted annotations, HTML-safe strings, and drops what Go does not declare", () => {
    const { bytes, desc } = marshalIndex({
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        // Keys in an order Go would not write, an unknown key, and annotations out of order.
        { platform: { os: "linux", architecture: "amd64" }, size: 10, digest: d1, mediaType: "application/vnd.oci.image.manifest.v1+json", extra: 1, annotations: { z: "<&>", a: "1" } } as never,
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: d2, size: 20, annotations: {}, platform: { architecture: "arm64", os: "linux", variant: "v8" } },
      ],
      annotations: {},
    });
    expect(bytes.toString()).toBe(
      [
        "{",
        '  "schemaVersion": 2,',
        '  "mediaType": "application/vnd.oci.image.index.v1+json",',
        '  "manifests": [',
        "    {",
        '      "mediaType": "application/vnd.oci.image.manifest.v1+json",',
        `      "digest": "${d1}",`,
        '      "size": 10,',
        '      "annotations": {',
        '        "a": "1",',
        '        "z": "\\u003c\\u0026\\u003e"',
        "      },",
        '      "platform": {',
        '        "architecture": "amd64",',
        '        "os": "linux"',
        "      }",
        "    },",
        "    {",
        '      "mediaType": "application/vnd.oci.image.manifest.v1+json",',
        `      "digest": "${d2}",`,
        '      "size": 20,',
        '      "platform": {',
        '        "architecture": "arm64",',
        '        "os": "linux",',
        '        "variant": "v8"',
        "      }",
        "    }",
        "  ]",
        "}",
      ].join("\n"),
    );
    expect(desc.size).toBe(bytes.byteLength);
    expect(desc.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("reads an image config as an ocispecs.Image: undeclared keys dropped, keys matched without regard to case, times re-printed, an empty config and a null diff_ids kept", () => {
    const config = goDecode(
      imageType,
      { OS: "linux", architecture: "amd64", created: "2024-01-02T03:04:05.100000000+00:00", config: { Healthcheck: { Test: ["x"] } }, rootfs: { type: "layers" }, "moby.buildkit.cache.v0": "e30=" },
      "config",
    );
    expect(goMarshalIndent({ type: imageType, value: config })).toBe(
      ['{', '  "created": "2024-01-02T03:04:05.1Z",', '  "architecture": "amd64",', '  "os": "linux",', '  "config": {},', '  "rootfs": {', '    "type": "layers",', '    "diff_ids": null', "  }", "}"].join("\n"),
    );
  });

  it("refuses a value of the wrong JSON type, as json.Unmarshal does, naming where", () => {
    expect(() => goDecode(imageType, { rootfs: { diff_ids: "x" } }, "config sha256:x")).toThrow(GoDecodeError);
    expect(() => goDecode(imageType, { rootfs: { diff_ids: "x" } }, "config sha256:x")).toThrow(/config sha256:x: rootfs.diff_ids should be an array/);
  });

  it("prints interface{} numbers as fmt's %v does", () => {
    expect([1, 100000, 1234567, 0.5, 0.00001, 1e21].map(goFormatFloat)).toEqual(["1", "100000", "1.234567e+06", "0.5", "1e-05", "1e+21"]);
  });
});

import { describe, expect, it } from "vitest";
import {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_TAR,
  DOCKER_FOREIGN_LAYER_TAR_GZIP,
  DOCKER_LAYER_TAR,
  DOCKER_LAYER_TAR_GZIP,
  DOCKER_LAYER_TAR_ZSTD,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_ATTESTATION_MANIFEST,
  IN_TOTO,
  OCI_EMPTY,
  OCI_EMPTY_DIGEST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER_NONDISTRIBUTABLE_TAR,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_LAYER_TAR_ZSTD,
  BUILDKIT_CACHE_CONFIG,
  UnsupportedMediaTypeError,
  compressionOfMediaType,
  convertLayerMediaType,
  detectCompression,
  digestOf,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
  layerMediaType,
  layerMediaTypeInfo,
  type Compression,
} from "./index.js";
import { gzipSync } from "node:zlib";

describe("constants", () => {
  it("spell the registered media types", () => {
    // Spot checks against the specs, since a typo here would silently break interop.
    expect(OCI_LAYER_TAR_ZSTD).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    expect(DOCKER_LAYER_TAR_GZIP).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
    expect(DOCKER_LAYER_TAR_ZSTD).toBe("application/vnd.docker.image.rootfs.diff.tar.zstd");
    expect(DOCKER_MANIFEST_LIST).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    expect(BUILDKIT_CACHE_CONFIG).toBe("application/vnd.buildkit.cacheconfig.v0");
    expect(OCI_EMPTY).toBe("application/vnd.oci.empty.v1+json");
  });

  it("OCI_EMPTY_DIGEST is the digest of {}", () => {
    expect(digestOf("{}")).toBe(OCI_EMPTY_DIGEST);
  });
});

describe("layerMediaType", () => {
  it.each<[Compression, boolean, string]>([
    ["gzip", true, OCI_LAYER_TAR_GZIP],
    ["zstd", true, OCI_LAYER_TAR_ZSTD],
    ["uncompressed", true, OCI_LAYER_TAR],
    ["gzip", false, DOCKER_LAYER_TAR_GZIP],
    ["zstd", false, DOCKER_LAYER_TAR_ZSTD],
    ["uncompressed", false, DOCKER_LAYER_TAR],
  ])("%s with oci=%s is %s", (compression, oci, expected) => {
    expect(layerMediaType(compression, { oci })).toBe(expected);
    expect(compressionOfMediaType(expected)).toBe(compression);
  });

  it("rejects an unknown compression from untyped callers", () => {
    expect(() => layerMediaType("lz4" as Compression, { oci: true })).toThrow(UnsupportedMediaTypeError);
  });
});

describe("compressionOfMediaType", () => {
  it("reads nondistributable and foreign layers too", () => {
    expect(compressionOfMediaType(OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD)).toBe("zstd");
    expect(compressionOfMediaType(DOCKER_FOREIGN_LAYER_TAR_GZIP)).toBe("gzip");
    expect(compressionOfMediaType(DOCKER_FOREIGN_LAYER_TAR)).toBe("uncompressed");
  });

  it.each([OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST, IN_TOTO, OCI_EMPTY, "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", ""])(
    "is undefined for non-layer %j",
    (mediaType) => {
      expect(compressionOfMediaType(mediaType)).toBeUndefined();
      expect(isLayerMediaType(mediaType)).toBe(false);
    },
  );
});

describe("classification", () => {
  it("tells manifests, indexes and layers apart", () => {
    expect([OCI_IMAGE_MANIFEST, DOCKER_MANIFEST].every(isManifestMediaType)).toBe(true);
    expect([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST].every(isIndexMediaType)).toBe(true);
    expect([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST, OCI_IMAGE_CONFIG, DOCKER_ATTESTATION_MANIFEST].some(isManifestMediaType)).toBe(false);
    expect([OCI_IMAGE_MANIFEST, DOCKER_MANIFEST, DOCKER_CONFIG].some(isIndexMediaType)).toBe(false);
    expect(isLayerMediaType(OCI_LAYER_NONDISTRIBUTABLE_TAR)).toBe(true);
    expect(isLayerMediaType(DOCKER_CONFIG)).toBe(false);
  });

  it("describes a layer's family and distributability", () => {
    expect(layerMediaTypeInfo(DOCKER_FOREIGN_LAYER_TAR_GZIP)).toEqual({ compression: "gzip", oci: false, nondistributable: true });
    expect(layerMediaTypeInfo(OCI_LAYER_TAR)).toEqual({ compression: "uncompressed", oci: true, nondistributable: false });
    expect(layerMediaTypeInfo(OCI_IMAGE_CONFIG)).toBeUndefined();
  });
});

describe("convertLayerMediaType", () => {
  const pairs: [string, string][] = [
    [OCI_LAYER_TAR, DOCKER_LAYER_TAR],
    [OCI_LAYER_TAR_GZIP, DOCKER_LAYER_TAR_GZIP],
    [OCI_LAYER_TAR_ZSTD, DOCKER_LAYER_TAR_ZSTD],
    [OCI_LAYER_NONDISTRIBUTABLE_TAR, DOCKER_FOREIGN_LAYER_TAR],
    [OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP, DOCKER_FOREIGN_LAYER_TAR_GZIP],
  ];

  it.each(pairs)("%s <-> %s round-trips", (oci, docker) => {
    expect(convertLayerMediaType(oci, { oci: false })).toBe(docker);
    expect(convertLayerMediaType(docker, { oci: true })).toBe(oci);
    expect(convertLayerMediaType(convertLayerMediaType(oci, { oci: false }), { oci: true })).toBe(oci);
  });

  it("leaves a media type already in the requested family alone", () => {
    expect(convertLayerMediaType(OCI_LAYER_TAR_ZSTD, { oci: true })).toBe(OCI_LAYER_TAR_ZSTD);
    expect(convertLayerMediaType(DOCKER_LAYER_TAR_GZIP, { oci: false })).toBe(DOCKER_LAYER_TAR_GZIP);
  });

  it("refuses non-layers and layers with no equivalent", () => {
    expect(() => convertLayerMediaType(IN_TOTO, { oci: false })).toThrow(/not a layer media type/);
    expect(() => convertLayerMediaType(OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD, { oci: false })).toThrow(/no Docker equivalent/);
    try {
      convertLayerMediaType(OCI_IMAGE_CONFIG, { oci: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
      expect((error as UnsupportedMediaTypeError).code).toBe("ERR_UNSUPPORTED_MEDIA_TYPE");
      expect((error as UnsupportedMediaTypeError).mediaType).toBe(OCI_IMAGE_CONFIG);
    }
  });
});

describe("detectCompression", () => {
  it("recognises real gzip output", () => {
    expect(detectCompression(gzipSync(Buffer.from("layer")))).toBe("gzip");
  });

  it("recognises a zstd frame header", () => {
    // `printf x | zstd | xxd -l 8`: magic 28 b5 2f fd then the frame header.
    expect(detectCompression(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x09, 0x00))).toBe("zstd");
  });

  it.each([
    ["a tar header", new TextEncoder().encode("etc/passwd\0\0\0\0")],
    ["gzip magic with a method other than deflate", Uint8Array.of(0x1f, 0x8b, 0x07, 0x00)],
    ["a truncated gzip magic", Uint8Array.of(0x1f, 0x8b)],
    ["a truncated zstd magic", Uint8Array.of(0x28, 0xb5, 0x2f)],
    ["nothing", new Uint8Array()],
  ])("treats %s as uncompressed", (_, bytes) => {
    expect(detectCompression(bytes)).toBe("uncompressed");
  });
});

import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { DescriptorSchema, OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_LAYER_TAR_GZIP, PlatformSchema, digestOf, parseDescriptor, type Descriptor, type Digest, type Platform } from "./index.js";

const digest = digestOf("layer");
const base = { mediaType: OCI_LAYER_TAR_GZIP, digest, size: 5 };

describe("DescriptorSchema", () => {
  it("accepts every optional field the spec defines", () => {
    const full = {
      ...base,
      urls: ["https://mirror.example.com/blobs/x"],
      annotations: { "org.opencontainers.image.title": "layer.tar.gz" },
      artifactType: "application/vnd.example.sbom+json",
      platform: { os: "linux", architecture: "arm64", variant: "v8", "os.features": ["f"], features: ["g"] },
    };
    expect(v.parse(DescriptorSchema, full)).toEqual(full);
  });

  it("types digest as the Digest brand and keeps the original shape", () => {
    expectTypeOf<Descriptor["digest"]>().toEqualTypeOf<Digest>();
    expectTypeOf<Descriptor["size"]>().toEqualTypeOf<number>();
    expectTypeOf<Platform["os.version"]>().toEqualTypeOf<string | undefined>();
    // What other packages write by hand must still type-check.
    const literal: Descriptor = { mediaType: "application/x", digest, size: 1, platform: { os: "linux", architecture: "amd64" } };
    expect(v.safeParse(DescriptorSchema, literal).success).toBe(true);
  });

  it("drops keys the spec does not define rather than failing", () => {
    expect(v.parse(DescriptorSchema, { ...base, extra: true })).toEqual(base);
  });

  it.each([
    ["a size above 2^53", { ...base, size: 2 ** 53 }, ["size"]],
    ["a negative size", { ...base, size: -1 }, ["size"]],
    ["a fractional size", { ...base, size: 1.5 }, ["size"]],
    ["a malformed digest", { ...base, digest: "sha256:xyz" }, ["digest"]],
    ["a missing digest", { mediaType: base.mediaType, size: 5 }, ["digest"]],
    ["a media type without a subtype", { ...base, mediaType: "application" }, ["mediaType"]],
    ["a relative url", { ...base, urls: ["blobs/x"] }, ["urls", 0]],
    ["a number annotation", { ...base, annotations: { a: 1 } }, ["annotations", "a"]],
    ["data that is not base64", { ...base, data: "not base64!" }, ["data"]],
    ["a platform without os", { ...base, platform: { architecture: "amd64" } }, ["platform", "os"]],
  ])("rejects %s", (_, value, path) => {
    const result = v.safeParse(DescriptorSchema, value);
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.path?.map((item) => item.key)).toEqual(path);
  });
});

describe("parseDescriptor", () => {
  it("says when the digest is missing or not a string", () => {
    expect(() => parseDescriptor({ mediaType: base.mediaType, size: 5 })).toThrow("invalid descriptor: digest: missing, expected a digest");
    expect(() => parseDescriptor({ ...base, digest: 42 })).toThrow("invalid descriptor: digest: expected a digest string, got number");
  });
});

describe("embedded data", () => {
  const emptyConfig = { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data: "e30=" };

  it("is accepted when it is the referenced content", () => {
    expect(parseDescriptor(emptyConfig).data).toBe("e30=");
  });

  it("is rejected when its length differs from size", () => {
    expect(() => parseDescriptor({ ...emptyConfig, size: 3 })).toThrow(/data: embedded data is 2 bytes but size is 3/);
  });

  it("is rejected when it does not hash to the digest", () => {
    // "[]" is also 2 bytes, so only the digest check can catch it.
    expect(() => parseDescriptor({ ...emptyConfig, data: "W10=" })).toThrow(/data: embedded data hashes to sha256:4f53cda1.*not to the descriptor's digest/);
  });
});

describe("PlatformSchema", () => {
  it("requires os and architecture as strings", () => {
    expect(v.safeParse(PlatformSchema, { os: "linux", architecture: "amd64", "os.version": "10.0" }).success).toBe(true);
    expect(v.safeParse(PlatformSchema, { os: "linux" }).success).toBe(false);
    expect(v.safeParse(PlatformSchema, { os: "linux", architecture: 64 }).success).toBe(false);
  });
});

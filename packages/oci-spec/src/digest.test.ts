import { describe, expect, it } from "vitest";
import { Digester, DigestMismatchError, InvalidDigestError, asDigest, digestOf, isDigest, parseDigest, verifyDigest } from "./index.js";

const emptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const abcSha256 = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

describe("parseDigest", () => {
  it("splits a sha256 and a sha512 digest", () => {
    expect(parseDigest(abcSha256)).toEqual({ algorithm: "sha256", hex: abcSha256.slice(7) });
    const sha512 = `sha512:${"ab".repeat(64)}`;
    expect(parseDigest(sha512)).toEqual({ algorithm: "sha512", hex: "ab".repeat(64) });
  });

  it.each([
    ["sha256:xyz", /64 lowercase hex/],
    [`sha256:${"A".repeat(64)}`, /64 lowercase hex/],
    [`sha256:${"a".repeat(63)}`, /64 lowercase hex/],
    [`md5:${"a".repeat(32)}`, /unsupported algorithm "md5"/],
    ["nocolon", /not of the form/],
    ["", /not of the form/],
  ])("rejects %j", (value, reason) => {
    expect(() => parseDigest(value)).toThrow(reason);
    expect(() => parseDigest(value)).toThrow(InvalidDigestError);
    expect(isDigest(value)).toBe(false);
  });

  it("asDigest returns the value only when valid", () => {
    expect(asDigest(abcSha256)).toBe(abcSha256);
    expect(() => asDigest("sha256:abc")).toThrow(InvalidDigestError);
    expect(isDigest(42)).toBe(false);
  });
});

describe("digestOf and Digester", () => {
  it("match known sha256 vectors", () => {
    expect(digestOf("")).toBe(emptySha256);
    expect(digestOf(new TextEncoder().encode("abc"))).toBe(abcSha256);
  });

  it("gives the same digest and size whatever the chunking", () => {
    const digester = new Digester();
    for (const chunk of ["a", "", "bc"]) digester.update(new TextEncoder().encode(chunk));
    expect(digester.size).toBe(3);
    expect(digester.digest()).toBe(abcSha256);
  });

  it("computes sha512 when asked", () => {
    const digester = new Digester("sha512");
    digester.update(new TextEncoder().encode("abc"));
    expect(digester.digest()).toMatch(/^sha512:ddaf35a193617aba/);
  });
});

describe("verifyDigest", () => {
  it("accepts matching content and names the expected and actual digests otherwise", () => {
    const abc = new TextEncoder().encode("abc");
    expect(() => verifyDigest(abc, abcSha256)).not.toThrow();
    try {
      verifyDigest(new TextEncoder().encode("abd"), abcSha256, "layer");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DigestMismatchError);
      const mismatch = error as DigestMismatchError;
      expect(mismatch.expected).toBe(abcSha256);
      expect(mismatch.actual).not.toBe(abcSha256);
      expect(mismatch.message).toMatch(/^layer: expected sha256:ba78.* got sha256:/);
      expect(mismatch.fault).toBe("server");
    }
  });
});

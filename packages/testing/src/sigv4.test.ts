import { describe, expect, it } from "vitest";
import { amzDate, canonicalQuery, EMPTY_SHA256, encodeS3Path, sha256Hex, signV4, uriEncode } from "./sigv4.js";

// The worked examples of AWS's "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk" (Amazon S3 API reference): same inputs, same signatures.
const example = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  date: new Date("2013-05-24T00:00:00Z"),
};
const host = "examplebucket.s3.amazonaws.com";
const stamp = "20130524T000000Z";

describe("signV4 (AWS's published S3 examples)", () => {
  it("GET Object with a Range header", () => {
    const r = signV4({
      ...example,
      method: "GET",
      path: "/test.txt",
      headers: { Host: host, Range: "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": stamp },
      payloadHash: EMPTY_SHA256,
    });
    expect(sha256Hex(r.canonicalRequest)).toBe("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    expect(r.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
    expect(r.amzDate).toBe(stamp);
  });

  it("PUT Object (a key with '$', a Date header, a body)", () => {
    const payloadHash = sha256Hex("Welcome to Amazon S3.");
    expect(payloadHash).toBe("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const r = signV4({
      ...example,
      method: "PUT",
      path: encodeS3Path("/test$file.text"),
      headers: {
        host,
        date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": stamp,
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": payloadHash,
      },
      payloadHash,
    });
    expect(r.canonicalRequest.split("\n")[1]).toBe("/test%24file.text");
    expect(r.signature).toBe("98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  });

  it("GET Bucket lifecycle (a bare query flag) and list objects (query out of order)", () => {
    const headers = { host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": stamp };
    const base = { ...example, method: "GET", path: "/", headers, payloadHash: EMPTY_SHA256 };
    expect(signV4({ ...base, query: [["lifecycle", ""]] }).signature).toBe("fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    expect(
      signV4({
        ...base,
        query: [
          ["prefix", "J"],
          ["max-keys", "2"],
        ],
      }).signature,
    ).toBe("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  });

  it("changes with the secret, the path, the payload and the date", () => {
    const base = { ...example, method: "GET", path: "/a", headers: { host }, payloadHash: EMPTY_SHA256 };
    const sig = signV4(base).signature;
    expect(signV4({ ...base, secretAccessKey: "other" }).signature).not.toBe(sig);
    expect(signV4({ ...base, path: "/b" }).signature).not.toBe(sig);
    expect(signV4({ ...base, payloadHash: sha256Hex("x") }).signature).not.toBe(sig);
    expect(signV4({ ...base, date: new Date("2013-05-25T00:00:00Z") }).signature).not.toBe(sig);
  });
});

describe("encoding", () => {
  it("encodes everything but unreserved characters, in UTF-8 with upper-case hex", () => {
    expect(uriEncode("a-b.c_d~e")).toBe("a-b.c_d~e");
    expect(uriEncode("a b+c=d&e/f?g*h!(i)'é")).toBe("a%20b%2Bc%3Dd%26e%2Ff%3Fg%2Ah%21%28i%29%27%C3%A9");
  });

  it("encodes each path segment once and keeps the slashes", () => {
    expect(encodeS3Path("/bucket/dir/a b+é.txt")).toBe("/bucket/dir/a%20b%2B%C3%A9.txt");
    expect(encodeS3Path("bucket/k")).toBe("/bucket/k");
    expect(encodeS3Path("/bucket/already%20encoded")).toBe("/bucket/already%2520encoded");
  });

  it("sorts the canonical query by encoded name, then value", () => {
    expect(
      canonicalQuery([
        ["prefix", "a b"],
        ["list-type", "2"],
        ["a", "2"],
        ["a", "1"],
        ["uploads", ""],
      ]),
    ).toBe("a=1&a=2&list-type=2&prefix=a%20b&uploads=");
  });

  it("formats x-amz-date", () => {
    expect(amzDate(new Date("2026-01-02T03:04:05.678Z"))).toBe("20260102T030405Z");
  });
});

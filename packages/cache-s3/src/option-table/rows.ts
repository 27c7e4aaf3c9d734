import { expect } from "vitest";
import { cacheJson, type AttrCase, type CacheArtifact, type CacheDescriptor } from "@exp/testing";
import { cacheExportRows, type CacheView } from "@exp/testing/vitest";

type Row = AttrCase<CacheArtifact>;
interface S3Config {
  layers: Array<{ blob: string; annotations?: { mediaType?: string; size?: number } }>;
}

/** The walk's exports write to the bucket named "main" (the artifact's files are `main/<key>`). */
const MANIFEST = "main/manifests/buildkit";
const MAX = { mode: "max" };
const keys = (cache: CacheArtifact) => [...cache.files.keys()].sort();

/** S3 has no cache manifest: the layers are the cache config's, with their annotations (s3.go Finalize). */
export const s3View: CacheView = {
  layers: (cache) =>
    cacheJson<S3Config>(cache, MANIFEST).layers.map((l): CacheDescriptor => ({ digest: l.blob, mediaType: l.annotations?.mediaType ?? "", size: l.annotations?.size ?? 0 })),
  rootMediaType: () => "application/json",
  present: (cache) => keys(cache).some((k) => k.includes("manifests/")),
};

/** Every key moved as `move` says, no other change: the objects' bytes are the same. */
function moved(move: (key: string) => string) {
  return (without: CacheArtifact, withIt: CacheArtifact) => {
    expect(withIt.error).toBeUndefined();
    expect(without.files.has(MANIFEST)).toBe(true);
    expect(keys(withIt)).toEqual(keys(without).map(move).sort());
    for (const [key, bytes] of without.files) expect(withIt.files.get(move(key))?.equals(bytes)).toBe(true);
  };
}

/**
 * A row whose attribute only makes the server refuse the export, as BuildKit's would be refused.
 * `code` is the error's code and the S3 code: the first request is a HEAD, whose answer has no
 * body, so a 403 reads as Forbidden and Swift's 400 for a wrong region as Unknown.
 */
function refused(key: string, value: string, why: string, code: string): Row {
  return {
    key,
    with: { [key]: value },
    expect: `the export fails: ${why}`,
    differs: (without, withIt) => {
      expect(without.error).toBeUndefined();
      expect(withIt.error).toBe(code);
      expect(withIt.files.size).toBe(0);
    },
  };
}

/**
 * The rows of BuildKit's cache/remotecache/s3 keys (getConfig in s3.go), plus mode and
 * ignore-error, which solver/llbsolver reads for every cache exporter. Variants: "present" exports
 * the cache once before the measured export, into the same bucket; "proxied" goes through a proxy
 * that holds every blob upload for a moment, so uploads overlap when they may, and records the
 * session tokens the requests carried (facts "uploads overlap" or "uploads one at a time", and
 * "x-amz-security-token <token>").
 */
export const s3Rows: readonly Row[] = [
  ...cacheExportRows(["mode", "ignore-error"], s3View),
  ...ownRows().map((row) => ({ ...row, base: { ...MAX, ...row.base } })),
];

/** The s3 keys' own rows, each on a mode=max export (mode=min without an image exporter writes nothing). */
function ownRows(): Row[] {
  return [
    {
      key: "bucket",
      with: { bucket: "other" },
      expect: "the same objects in the other bucket, none in the first",
      differs: moved((key) => key.replace(/^main\//, "other/")),
    },
    {
      key: "prefix",
      with: { prefix: "ci/" },
      expect: "every key under ci/",
      differs: moved((key) => key.replace(/^main\//, "main/ci/")),
    },
    {
      key: "blobs_prefix",
      with: { blobs_prefix: "b/" },
      expect: "the blobs under b/ instead of blobs/",
      differs: moved((key) => key.replace(/^main\/blobs\//, "main/b/")),
    },
    {
      key: "manifests_prefix",
      with: { manifests_prefix: "m/" },
      expect: "the cache config under m/ instead of manifests/",
      differs: moved((key) => key.replace(/^main\/manifests\//, "main/m/")),
    },
    {
      key: "name",
      with: { name: "app;app-main" },
      expect: "the cache config under both names instead of buildkit",
      differs: (without, withIt) => {
        const config = without.files.get(MANIFEST)!;
        expect(withIt.files.has(MANIFEST)).toBe(false);
        expect(withIt.files.get("main/manifests/app")?.equals(config)).toBe(true);
        expect(withIt.files.get("main/manifests/app-main")?.equals(config)).toBe(true);
      },
    },
    {
      key: "touch_refresh",
      with: { touch_refresh: "0s" },
      variant: "present",
      // s3.go Finalize: a blob already there is touched (copied onto itself) once older than touch_refresh.
      expect: "every blob already in the bucket touched, not only left there",
      differs: (without, withIt) => {
        const blobs = keys(without).filter((k) => k.startsWith("main/blobs/"));
        expect(blobs.length).toBeGreaterThan(0);
        expect(without.facts).toEqual([]);
        expect(withIt.facts).toEqual(blobs.map((k) => `touched ${k}`));
        expect(keys(withIt)).toEqual(keys(without));
      },
    },
    {
      key: "upload_parallelism",
      with: { upload_parallelism: "1" },
      variant: "proxied",
      expect: "one blob upload at a time instead of several at once",
      differs: (without, withIt) => {
        expect(without.facts).toContain("uploads overlap");
        expect(withIt.facts).toContain("uploads one at a time");
        expect(keys(withIt)).toEqual(keys(without));
      },
    },
    {
      key: "use_path_style",
      with: { use_path_style: "false" },
      // The walk's endpoint is http://localhost:PORT: virtual-hosted style sends <bucket>.localhost,
      // which the test server is not (an IP endpoint would be path-style whatever the attribute says).
      expect: "the export fails: the request goes to <bucket>.localhost",
      differs: (without, withIt) => {
        expect(without.error).toBeUndefined();
        // ERR_S3_UNREACHABLE here (no such host); where *.localhost resolves, Swift refuses the request instead.
        expect(withIt.error).toMatch(/^ERR_S3/);
      },
    },
    refused("region", "eu-west-1", "signed for another region than the server's", "ERR_S3 Unknown"),
    refused("access_key_id", "test:nobody", "an unknown access key", "ERR_S3 Forbidden"),
    refused("secret_access_key", "wrong", "a signature the server cannot check", "ERR_S3 Forbidden"),
    {
      key: "session_token",
      with: { session_token: "walk-token" },
      variant: "proxied",
      // Swift's s3api ignores the token, so the wire shows it: the SDK signs and sends it as BuildKit's does.
      expect: "every request carries x-amz-security-token",
      differs: (without, withIt) => {
        expect(without.facts?.some((f) => f.startsWith("x-amz-security-token"))).toBe(false);
        expect(withIt.facts).toContain("x-amz-security-token walk-token");
        expect(keys(withIt)).toEqual(keys(without));
      },
    },
  ];
}

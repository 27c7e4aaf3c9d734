import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { imageExporter } from "@exp/exporter-image";
import { recordAttrReads, type CacheExporter } from "@exp/solver";
import { SWIFT_TOOLS, cacheFingerprint, cacheWalkExport, requestsOverlap, skipUnlessTools, writeCacheWalkContext, startFaultProxy, startS3, walkRow, type AttrWalkOptions, type CacheArtifact, type FaultProxy, type TestS3 } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { s3Keys } from "./options.js";
import { cacheExporter } from "./s3-cache-exporter.js";
import { readBuckets } from "./option-table/read-buckets.js";
import { s3Rows } from "./option-table/rows.js";

// Issue 13, point 2: every key of --cache-to type=s3's option table, exported with and without
// into a real S3 (Swift's s3api), and the buckets read back compared as BuildKit's would differ.
const exempt = { endpoint_url: "required by every export: the test S3 is the only one the tests reach (use_path_style's row shows the endpoint is what exp talks to)" };
let s3: TestS3;
let proxy: FaultProxy;
let dir: string;
let exports = 0;

describe.skipIf(skipUnlessTools(...SWIFT_TOOLS))("s3 cache option table", () => {
  beforeAll(async () => {
    s3 = await startS3();
    // The "proxied" variant's requests go through a proxy (the Host kept: it is signed) that logs
    // their x-amz-* headers and holds each blob upload for 150 ms, so uploads overlap when they may.
    proxy = await startFaultProxy({ target: s3.endpoint, preserveHost: true });
    proxy.setRules([{ match: { method: "PUT", path: /\/blobs\// }, fault: { type: "delay", ms: 150 } }]);
    dir = await mkdtemp(join(tmpdir(), "exp-cache-s3-option-table-"));
    await writeCacheWalkContext(dir);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describeAttrWalk("--cache-to type=s3", s3Keys.filter((k) => !Object.hasOwn(exempt, k)), () => options(cacheExporter));

  it("fails a cache exporter that drops prefix before applying it", async () => {
    const broken: CacheExporter = { ...cacheExporter, resolve: (attrs) => cacheExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "prefix"))) };
    const findings = await walkRow(options(broken), s3Rows.find((row) => row.key === "prefix")!);
    expect(findings).toEqual([{ key: "prefix", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});

/** `http://localhost:PORT` of a loopback URL: a host name, so use_path_style decides the addressing. */
const byName = (url: string) => url.replace("127.0.0.1", "localhost");

/**
 * One export into buckets of its own: the rows' "main" and "other" are mapped to fresh buckets
 * (none for "broken-dest", so the upload fails). Variants are cacheExportRows' and s3Rows'.
 */
async function exportWith(exporter: CacheExporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<CacheArtifact> {
  const n = ++exports;
  const buckets: Record<string, string> = { main: `walk-main-${n}`, other: `walk-other-${n}` };
  if (variant !== "broken-dest") for (const bucket of Object.values(buckets)) expect((await s3.request("PUT", `/${bucket}`)).status).toBe(200);
  const resolved = { ...attrs, bucket: buckets[attrs.bucket ?? "main"] ?? attrs.bucket!, endpoint_url: byName(variant === "proxied" ? proxy.url : s3.endpoint) };
  if (variant === "present") {
    const first: Record<string, string> = { ...resolved };
    delete first.touch_refresh;
    expect(await exportOnce(exporter, first, `${n}-first`, variant)).toBeUndefined();
  }
  proxy.reset();
  const error = await exportOnce(exporter, resolved, n, variant);
  const { files, touched } = await readBuckets(s3, buckets);
  const facts = touched.map((k) => `touched ${k}`);
  if (variant === "proxied") facts.push(requestsOverlap(blobPuts(proxy)) ? "uploads overlap" : "uploads one at a time", ...tokens(proxy));
  return { ...(error === undefined ? {} : { error }), files, facts };
}

/** The build and the export; the error's code and the S3 code (SignatureDoesNotMatch...), so a row can tell why the server refused. */
const exportOnce = cacheWalkExport({ openContentStore, buildImage, runExport, imageExporter }, () => dir, (failure) => {
  const { code, s3Code } = failure as { code?: string; s3Code?: string };
  return [code ?? (failure as Error).name, ...(s3Code ? [s3Code] : [])].join(" ");
});

/** The blob uploads the proxy saw. */
function blobPuts(p: FaultProxy) {
  return p.stats.log.filter((e) => e.method === "PUT" && e.path.includes("/blobs/"));
}

/** The session tokens the requests carried. */
function tokens(p: FaultProxy): string[] {
  return [...new Set(p.stats.log.flatMap((e) => (e.headers["x-amz-security-token"] ? [`x-amz-security-token ${e.headers["x-amz-security-token"]}`] : [])))];
}

function options(exporter: CacheExporter): AttrWalkOptions<CacheArtifact> {
  return {
    name: "cache exporter s3",
    keys: s3Keys,
    cases: s3Rows,
    exempt,
    attrs: { bucket: "main", region: s3.region, endpoint_url: "set per export", use_path_style: "true", access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint: cacheFingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve(attrs)).readers.flatMap((r) => r.unread()),
  };
}

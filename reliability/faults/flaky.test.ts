import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWIFT_TOOLS, skipUnlessTools, startFaultProxy, startRegistry, startS3, type FaultProxy, type FaultRule, type TestRegistry, type TestS3 } from "@exp/testing";
import { trials } from "../soak.js";
import { exp, type CliResult } from "./support/cli.js";
import { writeExportContext, type ExportContext } from "./support/contexts.js";
import { FLAKY_FAULTS, REGISTRY_REQUEST_TYPES, S3_REQUEST_TYPES, faultCounts, faultLabel, spreadRules } from "./support/fault-mix.js";
import { mapLimit } from "./support/pool.js";
import { skopeoCopyToOci, skopeoInspectRaw } from "./support/skopeo.js";
import { rawEvents, s3CacheSpec, stepStatuses } from "./support/specs.js";

// Issue 8, "Faults": 10% of the requests to the registry and to S3 fail (500, 502, 503, 429 with
// Retry-After, or a connection reset mid-body), on every kind of request. Every export of an image
// plus a registry cache plus an S3 cache must still complete, every image must be in the registry
// as exp reported it, and every cache must re-import (through the same faults) as a full cache hit.

const EXPORTS = trials(100, 400);
/** Exports at once: enough to overlap retries and fit the CI budget, few enough for 2 shared cores. */
const CONCURRENCY = 3;
/** Every 25th export has a layer over 16 MiB (S3 multipart, a chunked registry upload): 4 at CI size. */
const isBig = (i: number) => i % 25 === 7;
/** How often the `group/` layer repeats (cross-repository mounts, HEADs that find it, S3 touches). */
const GROUPS = 7;
const BUCKET = "faults";
const MiB = 1024 * 1024;
/** Hard limits per phase, scaled with the run's size (a CI run takes about a third of them). */
const PHASE_TIMEOUT_MS = Math.max(240_000, EXPORTS * 2_400);
/** Layers stay the same across exports and rebuilds only with fixed timestamps. */
const ENV_BASE = { SOURCE_DATE_EPOCH: "1700000000" };

/**
 * The rare request types (only the few big exports send them) get one deterministic fault each on
 * top of the 10% draw, so that a run always covers them: without these, a seed and an interleaving
 * could leave all eight UploadParts unfaulted. Resets here cut a 16 MiB body a few MiB in.
 */
const S3_COVERAGE: FaultRule[] = [
  { match: { method: "PUT", path: /[?&]x-id=UploadPart\b/ }, nth: [1], fault: { type: "reset-request", afterBytes: 3 * MiB } },
  { match: { method: "POST", path: /[?&]uploads\b/ }, nth: [1], fault: { type: "status", status: 503 } },
  { match: { method: "POST", path: /[?&]uploadId=/ }, nth: [1], fault: { type: "status", status: 500 } },
];
const REGISTRY_COVERAGE: FaultRule[] = [{ match: { method: "PATCH" }, nth: [1], fault: { type: "reset-request", afterBytes: 3 * MiB } }];
/**
 * Last, so it applies only when no fault was drawn: the registry refuses blob PUTs over 16 MiB as a
 * size-limited proxy would, which turns the big layers' pushes into chunked (PATCH) uploads.
 */
const SIZE_LIMIT: FaultRule = { match: { method: "PUT", path: /\/blobs\/uploads\// }, fault: { type: "too-large", maxBytes: 16 * MiB } };

const FLAKY_KINDS = new Set(FLAKY_FAULTS.map((f) => (f.type === "status" ? String(f.status) : f.type)));

interface ExportRecord {
  context: ExportContext;
  image: string;
  cacheRef: string;
  s3Name: string;
  result: CliResult;
  metadata?: Record<string, unknown>;
}

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", ...SWIFT_TOOLS))(`${EXPORTS} exports through a registry and an S3 that fail 10% of requests`, () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let registryProxy: FaultProxy;
  let s3Proxy: FaultProxy;
  let work: string;
  const records: ExportRecord[] = [];

  beforeAll(async () => {
    [registry, s3] = await Promise.all([startRegistry(), startS3({ bucket: BUCKET })]);
    registryProxy = await startFaultProxy({ target: registry.url, seed: 8, rules: [...REGISTRY_COVERAGE, ...spreadRules(0.1), SIZE_LIMIT] });
    // SigV4 signs the Host header: the request must reach Swift with the proxy's.
    s3Proxy = await startFaultProxy({ target: s3.endpoint, preserveHost: true, seed: 80, rules: [...S3_COVERAGE, ...spreadRules(0.1)] });
    work = await mkdtemp(join(tmpdir(), "exp-faults-flaky-"));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([registryProxy?.stop(), s3Proxy?.stop()]);
    await Promise.all([registry?.stop(), s3?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const env = () => ({ ...ENV_BASE, HOME: work });
  const s3Spec = (name: string, attrs: Record<string, string> = {}) => s3CacheSpec(s3, BUCKET, s3Proxy.url, { prefix: "flaky/", name, ...attrs });

  it(`all ${EXPORTS} exports of image + registry cache + S3 cache complete`, async () => {
    await mapLimit(
      Array.from({ length: EXPORTS }, (_, i) => i),
      CONCURRENCY,
      async (i, _, worker) => {
        const context = await writeExportContext(work, i, { big: isBig(i), groups: GROUPS });
        // One image and one cache repository per worker: later exports find (HEAD) or mount the
        // layers earlier ones pushed, but two exports never write one repository at once.
        // distribution 2.8 rewrites a blob's link file in a repository by truncating it, so a
        // manifest PUT that reads the link at that moment is refused (400 DIGEST_INVALID +
        // MANIFEST_BLOB_UNKNOWN) although the blob is there; and every mount rewrites the link.
        // With one cache repository for all exports, about one export in 60 failed so.
        const image = `${registryProxy.host}/flaky/app-${worker}:e${i}`;
        const cacheRef = `${registryProxy.host}/flaky/cache-${worker}:e${i}`;
        const store = join(work, `store-${i}`);
        const metadataFile = join(work, `metadata-${i}.json`);
        const result = await exp(
          [
            "build",
            context.dir,
            "-o",
            `type=registry,name=${image}`,
            "--cache-to",
            `type=registry,ref=${cacheRef},mode=max`,
            // touch_refresh=0s: a blob already in the bucket is touched (CopyObject) every time.
            "--cache-to",
            s3Spec(`e${i}`, { mode: "max", touch_refresh: "0s" }),
            "--root",
            store,
            "--metadata-file",
            metadataFile,
            "--progress",
            "rawjson",
          ],
          // Every tenth export with buildx's default provenance (a user's environment), so attested
          // indexes cross the faults too; the others as before, which keeps the suite's time.
          { env: { ...env(), BUILDX_NO_DEFAULT_ATTESTATIONS: i % 10 === 0 ? "" : "1" } },
        );
        const record: ExportRecord = { context, image, cacheRef, s3Name: `e${i}`, result };
        if (result.code === 0) record.metadata = JSON.parse(await readFile(metadataFile, "utf8")) as Record<string, unknown>;
        records[i] = record;
        // The store is only needed for the export itself: keep the disk use flat.
        await rm(store, { recursive: true, force: true });
      },
    );
    const failed = records.filter((r) => r.result.code !== 0).map((r) => `export ${r.context.index}: ${r.result.stderr.split("\n").filter((l) => l.startsWith("ERROR")).join(" ")}`);
    expect(failed).toEqual([]);
    // S3 saw every path: uploads, touches of blobs already there, and multipart uploads.
    const logs = records.flatMap((r) => rawEvents(r.result.stderr)).flatMap((e) => (e.type === "log" && e.message ? [e.message] : []));
    expect(logs.some((m) => m.endsWith(": touched"))).toBe(true);
    expect(logs.some((m) => m.endsWith(": uploaded"))).toBe(true);
  }, PHASE_TIMEOUT_MS);

  it("skopeo finds every pushed image (and registry cache) with the digest exp reported, and intact blobs", async () => {
    expect(records).toHaveLength(EXPORTS);
    const mismatches: string[] = [];
    const direct = (reference: string) => reference.replace(registryProxy.host, registry.host);
    await mapLimit(records, 4, (record) => verify(record).catch((error: unknown) => void mismatches.push(`${record.image}: ${String(error)}`)));
    async function verify(record: ExportRecord) {
      const image = await skopeoInspectRaw(direct(record.image), work);
      const reported = record.metadata?.["containerimage.digest"];
      if (image.digest !== reported) mismatches.push(`${record.image}: registry has ${image.digest}, exp reported ${String(reported)}`);
      const layers = 3 + (record.context.big ? 1 : 0);
      // buildx's default provenance (a user's environment) makes the image an index: its image
      // manifest and an attestation manifest, both pushed through the same faults.
      const entries = (image.manifest as { manifests?: Array<{ digest: string; platform?: { os: string } }> }).manifests;
      const own = entries ? await skopeoInspectRaw(`${direct(record.image).replace(/:[^:/]+$/, "")}@${entries.find((m) => m.platform?.os !== "unknown")?.digest}`, work) : image;
      if (entries && !entries.some((m) => m.platform?.os === "unknown")) mismatches.push(`${record.image}: no attestation manifest in the index`);
      if (!entries && record.context.index % 10 === 0) mismatches.push(`${record.image}: no index, though built with the default provenance`);
      if (own.manifest.layers?.length !== layers) mismatches.push(`${record.image}: ${own.manifest.layers?.length} layers, expected ${layers}`);
      const cache = await skopeoInspectRaw(direct(record.cacheRef), work);
      const cacheReported = (record.metadata?.["cache.manifest"] as { digest?: string } | undefined)?.digest;
      if (cache.digest !== cacheReported) mismatches.push(`${record.cacheRef}: registry has ${cache.digest}, exp reported ${String(cacheReported)}`);
      // The blobs too, for the big images (chunked uploads) and a sample of the others: skopeo
      // checks every blob it copies against its digest.
      if (record.context.big || record.context.index % 20 === 0) {
        const layout = join(work, `pulled-${record.context.index}`);
        await skopeoCopyToOci(direct(record.image), layout, work);
        await rm(layout, { recursive: true, force: true });
      }
    }
    expect(mismatches).toEqual([]);
  }, PHASE_TIMEOUT_MS / 2);

  it("every registry and S3 cache re-imports, through the same faults, as a full cache hit", async () => {
    const problems: string[] = [];
    const reimport = async (record: ExportRecord, what: string, cacheFrom: string) => {
      const store = join(work, `reimport-${record.context.index}-${what}`);
      // The default output (the image, into the fresh store) needs every layer's bytes: they are
      // fetched (GET) from the imported cache, so the blobs are checked too, not just the manifest.
      const result = await exp(["build", record.context.dir, "--cache-from", cacheFrom, "--root", store, "--progress", "rawjson"], { env: env() });
      await rm(store, { recursive: true, force: true });
      const events = rawEvents(result.stderr);
      const steps = stepStatuses(events);
      const notCached = [...steps].filter(([, statuses]) => !statuses.includes("cached")).map(([step]) => step);
      const warnings = events.filter((e) => e.type === "warning").map((e) => e.message);
      if (result.code !== 0 || steps.size < 3 || notCached.length > 0 || warnings.length > 0) {
        problems.push(`${what} cache of export ${record.context.index}: exit ${result.code}, not cached: ${notCached.join(", ")}; ${warnings.join("; ")} ${result.stderr.split("\n").filter((l) => l.startsWith("ERROR")).join(" ")}`);
      }
    };
    await mapLimit(records, CONCURRENCY, async (record) => {
      await reimport(record, "registry", `type=registry,ref=${record.cacheRef}`);
      await reimport(record, "s3", s3Spec(record.s3Name));
    });
    expect(problems).toEqual([]);
  }, PHASE_TIMEOUT_MS);

  it("faults were injected on every request type, of every kind", () => {
    const registryCounts = faultCounts(REGISTRY_REQUEST_TYPES, registryProxy.stats.log, FLAKY_KINDS);
    const s3Counts = faultCounts(S3_REQUEST_TYPES, s3Proxy.stats.log, FLAKY_KINDS);
    const kinds = (log: FaultProxy["stats"]["log"]) => {
      const byKind: Record<string, number> = {};
      for (const entry of log) {
        const label = faultLabel(entry);
        if (label) byKind[label] = (byKind[label] ?? 0) + 1;
      }
      return byKind;
    };
    // Printed so a run's report can quote them.
    console.info(JSON.stringify({ registry: { requests: registryProxy.stats.requests, byType: registryCounts, byKind: kinds(registryProxy.stats.log) }, s3: { requests: s3Proxy.stats.requests, byType: s3Counts, byKind: kinds(s3Proxy.stats.log) } }, null, 1));
    for (const [type, count] of Object.entries({ ...registryCounts, ...s3Counts })) {
      expect(count.faulted, `faults on ${type}`).toBeGreaterThan(0);
    }
    for (const log of [registryProxy.stats.log, s3Proxy.stats.log]) {
      expect(Object.keys(kinds(log)).filter((k) => FLAKY_KINDS.has(k)).sort()).toEqual([...FLAKY_KINDS].sort());
    }
    // Chunked uploads really happened: the size limit refused the monolithic PUTs of the big layers.
    expect(registryProxy.stats.log.some((e) => e.fault === "too-large")).toBe(true);
  });
});

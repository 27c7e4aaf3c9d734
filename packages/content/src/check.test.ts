import { spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { bytes, tempRoots } from "./__fixtures__/helpers.js";
import { checkStore } from "./check.js";
import type { StoreCheckReport } from "./check-report.js";
import { labelHash } from "./label-index.js";
import { Layout } from "./layout.js";
import { MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST } from "./media-types.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";

const roots = tempRoots();
afterEach(roots.cleanup);

const LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const CONFIG = "application/vnd.oci.image.config.v1+json";

async function put(store: ContentStore, data: string | Buffer, mediaType: string): Promise<Descriptor> {
  const result = await store.writeBlob(data, { mediaType });
  return { mediaType, digest: result.digest, size: result.size };
}

/** A store as a build leaves it: an image under a root and in a history record, a labelled cache record, an open lease. */
async function populated() {
  const root = await roots.make();
  const store = await openContentStore(root);
  const layout = new Layout(store.root);
  const layer = await put(store, bytes(300_000, 7), LAYER);
  const config = await put(store, JSON.stringify({ architecture: "amd64", os: "linux" }), CONFIG);
  const manifest = await put(store, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config, layers: [layer] }), MEDIA_TYPE_OCI_MANIFEST);
  await store.roots.set("image/r.example/app:1", manifest);
  await store.history.put({ id: "build-1", createdAt: new Date(), results: [manifest] });
  const record = await store.writeBlob("{}", { labels: { "containerd.io/gc.ref.content.layer": layer.digest, "exp.io/cache-key": "k1" } });
  await store.roots.set("exp.cache/k1", { mediaType: "application/vnd.exp.cache.record.v1+json", digest: record.digest, size: record.size });
  const lease = await store.leases.create({ id: "build-2", expiresAt: new Date(Date.now() + 3_600_000) });
  await store.writeBlob("leased", { lease: lease.id });
  return { root, store, layout, layer, config, manifest, record: record.digest };
}

function codes(report: StoreCheckReport): string[] {
  return report.faults.map((f) => f.code);
}

/** Makes a blob file writable (blobs are 0444) and overwrites one byte. */
async function flipByte(path: string, offset: number): Promise<void> {
  await chmod(path, 0o644);
  const data = await readFile(path);
  data[offset] = data[offset]! ^ 0xff;
  await writeFile(path, data);
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("checkStore", () => {
  it("passes a consistent store, counting every blob and byte", async () => {
    const { store, layer } = await populated();
    const report = await checkStore(store);
    expect(report.faults).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.blobs).toBe(5);
    expect(report.bytes).toBeGreaterThan(layer.size);
  });

  it("reports BLOB_DIGEST_MISMATCH for a blob with a flipped byte, naming both digests", async () => {
    const { store, layout, layer } = await populated();
    await flipByte(layout.blobPath(layer.digest), 150_000);
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["BLOB_DIGEST_MISMATCH"]);
    expect(report.faults[0]).toMatchObject({ path: layout.blobPath(layer.digest), digest: layer.digest });
    expect(report.faults[0]!.message).toMatch(new RegExp(`hashes to sha256:[0-9a-f]{64}; expected ${layer.digest}`));
  });

  it("reports BLOB_UNREADABLE for an entry in blobs/ that is not a file", async () => {
    const { store, layout } = await populated();
    const digest = `sha256:${"ab".repeat(32)}` as Digest;
    await mkdir(layout.blobPath(digest));
    // Named by a root as a manifest: reported once, and not followed.
    await store.roots.set("image/dir", { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest, size: 10 });
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["BLOB_UNREADABLE"]);
    expect(report.faults[0]!.message).toContain("is not a regular file");
  });

  it("reports MISSING_BLOB for a root's and a history record's blob that was deleted", async () => {
    const { store, layout, manifest } = await populated();
    await rm(layout.blobPath(manifest.digest), { force: true });
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["MISSING_BLOB", "MISSING_BLOB"]);
    expect(report.faults.map((f) => f.path)).toEqual([layout.historyPath("build-1"), layout.rootPath("image/r.example/app:1")]);
    expect(report.faults.every((f) => f.digest === manifest.digest)).toBe(true);
    expect(report.faults[1]!.message).toContain(`root "image/r.example/app:1" names ${manifest.digest}, which is not in the store`);
  });

  it("reports MISSING_BLOB for a layer a root's manifest reaches, and for a layer a cache record's gc.ref label pins", async () => {
    const { store, layout, layer, manifest, record } = await populated();
    await rm(layout.blobPath(layer.digest), { force: true });
    const report = await checkStore(store);
    // One fault per file that holds a reference to it, naming the way from the root.
    expect(codes(report)).toEqual(["MISSING_BLOB", "MISSING_BLOB"]);
    expect(report.faults.map((f) => f.path).sort()).toEqual([layout.blobPath(manifest.digest), layout.blobPath(record)].sort());
    const messages = report.faults.map((f) => f.message).join("\n");
    expect(messages).toContain(`root "image/r.example/app:1" reaches ${layer.digest} through ${MEDIA_TYPE_OCI_MANIFEST} ${manifest.digest}, which is not in the store`);
    expect(messages).toContain(`root "exp.cache/k1" reaches ${layer.digest} through a gc.ref label of ${record}, which is not in the store`);
  });

  it("only notes a layer missing below a manifest that history alone reaches (a push that kept no layers)", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const config = await put(store, "{}", CONFIG);
    const remoteLayer: Descriptor = { mediaType: LAYER, digest: `sha256:${"cd".repeat(32)}` as Digest, size: 1234 };
    const manifest = await put(store, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config, layers: [remoteLayer] }), MEDIA_TYPE_OCI_MANIFEST);
    const index = await put(store, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [manifest] }), MEDIA_TYPE_OCI_INDEX);
    await store.history.put({ id: "pushed", createdAt: new Date(), results: [index] });
    const report = await checkStore(store);
    expect(report.faults).toEqual([]);
    expect(report.notes).toEqual([expect.stringContaining(`through manifests but not in the store`)]);
    expect(report.notes[0]).toContain(remoteLayer.digest);
  });

  it("reports BLOB_SIZE_MISMATCH for a root whose descriptor gives the wrong size", async () => {
    const { store, layout, manifest } = await populated();
    await store.roots.set("image/wrong-size", { ...manifest, size: manifest.size + 1 });
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["BLOB_SIZE_MISMATCH"]);
    expect(report.faults[0]).toMatchObject({ path: layout.rootPath("image/wrong-size"), digest: manifest.digest });
    expect(report.faults[0]!.message).toContain(`the size ${manifest.size + 1}; expected ${manifest.size}`);
  });

  it("reports BAD_METADATA for a truncated history record, root, blob record and lease record", async () => {
    const { store, layout, manifest } = await populated();
    for (const path of [layout.historyPath("build-1"), layout.rootPath("image/r.example/app:1"), layout.blobMetaPath(manifest.digest), join(layout.leaseDir("build-2"), "lease.json")]) {
      await truncate(path, 10);
    }
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["BAD_METADATA", "BAD_METADATA", "BAD_METADATA", "BAD_METADATA"]);
    expect(report.faults.map((f) => f.message).join("\n")).toMatch(/not valid JSON/);
  });

  it("reports BAD_METADATA for a record filed under another id's name", async () => {
    const { store, layout } = await populated();
    const text = await readFile(layout.historyPath("build-1"), "utf8");
    await writeFile(layout.historyPath("build-9"), text);
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["BAD_METADATA"]);
    expect(report.faults[0]!.message).toContain(`has the id "build-1"; expected it at ${layout.historyPath("build-1")}`);
  });

  it("reports MISSING_LABEL_HINT for a label whose index hint is gone", async () => {
    const { store, layout, record } = await populated();
    const hint = join(layout.labelValueDir(labelHash("exp.io/cache-key"), labelHash("k1")), record.replace(":", "-"));
    await rm(hint);
    const report = await checkStore(store);
    expect(codes(report)).toEqual(["MISSING_LABEL_HINT"]);
    expect(report.faults[0]).toMatchObject({ path: layout.blobMetaPath(record as Digest), digest: record });
  });

  it("passes what an interrupted writer leaves, with notes: an ingest temp file, a record temp file, a lease entry for a blob never linked, an orphan record", async () => {
    const { store, layout, layer } = await populated();
    const pid = await deadPid();
    await writeFile(join(layout.ingestDir, `${pid}-0123456789abcdef`), bytes(4096, 3));
    await writeFile(join(layout.historyDir, `.build-3_json.${pid}-0123456789abcdef.tmp`), '{"id":"bui');
    await store.leases.addResource("build-2", `sha256:${"ef".repeat(32)}` as Digest);
    // A lease neither held by a process nor expiring: only a release ends it.
    await store.leases.create({ id: "killed-build", heldByProcess: false });
    // A delete interrupted between the blob and its record (deleteBlob removes the blob first).
    const orphan = await store.writeBlob("orphan", { labels: { a: "b" } });
    await rm(layout.blobPath(orphan.digest));
    const report = await checkStore(store);
    expect(report.faults).toEqual([]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^temp files left by writers that died .*: 2 \(e\.g\. /),
        expect.stringMatching(/^lease entries for blobs not in the store .*: 1 /),
        expect.stringMatching(/^blob records without a blob .*: 1 /),
        expect.stringMatching(/^leases without an expiry or a holding process .*: 1 \(killed-build\)$/),
      ]),
    );
    expect(report.bytes).toBeGreaterThan(layer.size);
    // The store agrees: gc cleans all of it up, and the check stays clean.
    await store.gc();
    expect(await readdir(layout.ingestDir)).toEqual([]);
    expect((await checkStore(store)).faults).toEqual([]);
  });

  it("notes the temp files of locks under locks/ by whether their writer runs, and gc removes the dead writers' ones", async () => {
    const { store, layout } = await populated();
    const pid = await deadPid();
    const pushLocks = join(layout.locksDir, "push");
    await mkdir(pushLocks, { recursive: true });
    const lock = `${"ab".repeat(32)}.lock`;
    const dead = [join(pushLocks, `.${lock}.${pid}-0123456789abcdef.tmp`), join(pushLocks, `${lock}.${pid}-fedcba9876543210.tmp`)];
    const live = join(pushLocks, `.${lock}.${process.pid}-0123456789abcdef.tmp`);
    for (const path of [...dead, live]) await writeFile(path, `${pid} host token`);
    await writeFile(join(pushLocks, lock), `${process.pid} host token`);
    const report = await checkStore(store);
    expect(report.faults).toEqual([]);
    expect([...report.notes].sort()).toEqual([
      expect.stringMatching(/^lock temp files left by processes killed while taking a lock \(exp prune removes them\): 2 \(e\.g\. .*\/locks\/push\/.*\.tmp\)$/),
      `lock temp files of processes taking a lock (work in flight): 1 (${live})`,
    ]);
    expect((await store.gc()).removedLockTempFiles).toBe(2);
    expect((await readdir(pushLocks)).sort()).toEqual([lock, `.${lock}.${process.pid}-0123456789abcdef.tmp`].sort());
    expect((await checkStore(store)).notes).toEqual([`lock temp files of processes taking a lock (work in flight): 1 (${live})`]);
  });

  it("stops with ERR_ABORTED when the signal fires", async () => {
    const { store } = await populated();
    const controller = new AbortController();
    controller.abort();
    await expect(checkStore(store, { signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });
});

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Digest } from "@exp/oci-spec";
import { bytes, chunked, filesUnder, sha256, tempRoots } from "./__fixtures__/helpers.js";
import { InvalidArgumentError } from "./errors.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

const h = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const hex = (digest: Digest): string => digest.slice("sha256:".length);

function hintFile(root: string, key: string, value: string, digest: Digest): string {
  return join(root, "meta", "labels", h(key), h(value), `sha256-${hex(digest)}`);
}

/** The index as it should be: one hint per label of every blob's record. */
async function expectedIndex(store: ContentStore): Promise<string[]> {
  const files: string[] = [];
  for await (const info of store.list()) {
    for (const [key, value] of Object.entries(info.labels)) files.push(join(h(key), h(value), `sha256-${hex(info.digest)}`));
  }
  return files.sort();
}

/** The index as it is on disk, without the marker. */
async function actualIndex(root: string): Promise<string[]> {
  return (await filesUnder(join(root, "meta", "labels"))).filter((f) => f !== ".version");
}

/** The answer findByLabel must give, by reading every record. */
async function scan(store: ContentStore, key: string, value?: string): Promise<Digest[]> {
  const found: Digest[] = [];
  for await (const info of store.list()) {
    const actual = info.labels[key];
    if (actual !== undefined && (value === undefined || actual === value)) found.push(info.digest);
  }
  return found.sort();
}

async function find(store: ContentStore, key: string, value?: string): Promise<Digest[]> {
  return (await store.findByLabel(key, value)).map((info) => info.digest);
}

describe("findByLabel through the label index", () => {
  it("follows relabelling and deletion, with no stale results and no stale hints left", async () => {
    const { root, store } = await open();
    const a = (await store.writeBlob("a", { labels: { k: "v1", other: "x" } })).digest;
    const b = (await store.writeBlob("b", { labels: { k: "v1" } })).digest;
    const c = (await store.writeBlob("c", { labels: { k: "v2" } })).digest;
    expect(await find(store, "k", "v1")).toEqual([a, b].sort());
    expect(await find(store, "k")).toEqual([a, b, c].sort());
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));

    // Each time the index is checked before querying: the old hint goes with the relabelling or
    // deletion itself, not lazily when findByLabel meets it.
    await store.setLabels(a, { k: "v2" });
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
    expect(await find(store, "k", "v1")).toEqual([b]);
    expect(await find(store, "k", "v2")).toEqual([a, c].sort());

    await store.setLabels(b, { k: null });
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
    expect(await find(store, "k", "v1")).toEqual([]);
    expect(await find(store, "k")).toEqual([a, c].sort());

    expect(await store.delete(c)).toBe(true);
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
    expect(await find(store, "k", "v2")).toEqual([a]);
    expect(await find(store, "k")).toEqual([a]);

    // Re-adding starts with fresh labels; a new label value is found at once.
    await store.writeBlob("c", { labels: { k: "v3" } });
    expect(await find(store, "k", "v2")).toEqual([a]);
    expect(await find(store, "k", "v3")).toEqual([c]);
    expect(await store.findByLabel("other", "x")).toEqual([await store.info(a)]);
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
  });

  it("handles any string as a key or value, and checks its arguments", async () => {
    const { store } = await open();
    const odd = ["../..", "a/b", "", "x".repeat(5000), "ключ\u0000значение", "."];
    const written = await Promise.all(odd.map((value, i) => store.writeBlob(`odd-${i}`, { labels: { [`k/${i}/..`]: value, shared: value } })));
    for (const [i, value] of odd.entries()) {
      expect(await find(store, `k/${i}/..`, value)).toEqual([written[i]!.digest]);
      expect(await find(store, "shared", value)).toEqual([written[i]!.digest]);
    }
    expect(await find(store, "shared")).toEqual(written.map((w) => w.digest).sort());
    await expect(store.findByLabel("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.findByLabel("k", 1 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("confirms every hint against the record: stale hints are not returned, and are dropped", async () => {
    const { root, store } = await open();
    const a = (await store.writeBlob("a", { labels: { k: "v1" } })).digest;
    // A crash between writing a hint and its record (or a removal that never ran) leaves these.
    const wrongValue = hintFile(root, "k", "v-old", a);
    const noBlob = hintFile(root, "k", "v1", sha256("never stored"));
    await mkdir(dirname(wrongValue), { recursive: true });
    await writeFile(wrongValue, "");
    await writeFile(noBlob, "");
    // A record whose blob is not linked yet (an ingest in flight elsewhere): not an answer, but its hint stays.
    const pending = sha256("in flight");
    await writeFile(join(root, "meta", "blobs", "sha256", `${hex(pending)}.json`), JSON.stringify({ createdAt: new Date().toISOString(), labels: { k: "v1" } }));
    const pendingHint = hintFile(root, "k", "v1", pending);
    await writeFile(pendingHint, "");

    expect(await find(store, "k", "v-old")).toEqual([]);
    expect(await find(store, "k", "v1")).toEqual([a]);
    expect(await find(store, "k")).toEqual([a]);
    expect(await actualIndex(root)).toEqual([hintFile(root, "k", "v1", a), pendingHint].map((f) => f.slice(join(root, "meta", "labels").length + 1)).sort());
  });

  it("counts a hint parked by a remover that died, and gc puts it back", async () => {
    const { root, store } = await open();
    const a = await store.writeBlob("a", { labels: { k: "v1" } });
    await store.roots.set("keep", { mediaType: "application/octet-stream", digest: a.digest, size: a.size });
    const hint = hintFile(root, "k", "v1", a.digest);
    const parked = join(dirname(hint), `.sha256-${hex(a.digest)}.${await deadPid()}-0123456789abcdef.tmp`);
    await rename(hint, parked);
    expect(await find(store, "k", "v1")).toEqual([a.digest]);
    await store.gc();
    expect(await readdir(dirname(hint))).toEqual([`sha256-${hex(a.digest)}`]);
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
  });

  it("answers from scratch for a store without an index (made before it existed)", async () => {
    const { root, store } = await open();
    const a = (await store.writeBlob("a", { labels: { "containerd.io/uncompressed": sha256("a-tar"), "exp.io/compression": "gzip" } })).digest;
    const b = (await store.writeBlob("b", { labels: { "containerd.io/uncompressed": sha256("a-tar"), "exp.io/compression": "zstd" } })).digest;
    await store.writeBlob("c");
    await rm(join(root, "meta", "labels"), { recursive: true });

    const reopened = await openContentStore(root);
    expect(await find(reopened, "containerd.io/uncompressed", sha256("a-tar"))).toEqual([a, b].sort());
    expect(await find(reopened, "exp.io/compression", "zstd")).toEqual([b]);
    expect(await find(reopened, "exp.io/compression")).toEqual([a, b].sort());
    expect(await actualIndex(root)).toEqual(await expectedIndex(reopened));
    expect(JSON.parse(await readFile(join(root, "meta", "labels", ".version"), "utf8"))).toMatchObject({ version: 1 });
  });

  it("rebuilds at the first open of a new boot (hints are not fsynced), and only then", async () => {
    const { root, store } = await open();
    const a = (await store.writeBlob("a", { labels: { k: "v" } })).digest;
    const marker = join(root, "meta", "labels", ".version");
    const written = JSON.parse(await readFile(marker, "utf8")) as { boot: string };

    // Same boot: the marker is trusted, so opening does not read every record again.
    await unlink(hintFile(root, "k", "v", a));
    expect(await find(await openContentStore(root), "k", "v")).toEqual([]);

    // The machine crashed and lost the hint: the marker names another boot, so the index is rebuilt.
    await writeFile(marker, JSON.stringify({ version: 1, boot: "boot-id:some-earlier-boot" }));
    expect(await find(await openContentStore(root), "k", "v")).toEqual([a]);
    expect(JSON.parse(await readFile(marker, "utf8"))).toEqual({ version: 1, boot: written.boot });

    // A marker that cannot be read counts as missing.
    await unlink(hintFile(root, "k", "v", a));
    await writeFile(marker, "");
    expect(await find(await openContentStore(root), "k", "v")).toEqual([a]);
  });

  it("indexes every label of concurrent ingests, relabels and deletions while gc runs", async () => {
    const { root, store } = await open();
    const lease = await store.leases.create();
    let stop = false;
    const gcLoop = (async () => {
      while (!stop) await store.gc();
    })();
    const inputs = Array.from({ length: 32 }, (_, i) => bytes(5_000 + (i % 16), 300 + (i % 16))); // each content twice
    const results = await Promise.all(
      inputs.map(async (data, i) => {
        const labels = { "containerd.io/uncompressed": sha256(`tar-${i % 8}`), group: `g${i % 3}`, [`writer.${i}`]: "1" };
        const result = await store.ingest(chunked(data, 700 + i), { lease: lease.id, labels, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" });
        await store.setLabels(result.digest, { group: `g${(i + 1) % 3}`, step: String(i % 2) });
        if (i % 5 === 0) await store.setLabels(result.digest, { step: null });
        return result;
      }),
    );
    // Unheld blobs with labels, for the gc loop to delete under the writers' feet.
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.writeBlob(`garbage-${i}`, { labels: { group: `g${i % 3}` } })));
    stop = true;
    await gcLoop;
    await store.gc();
    // Relabelling and deleting within one process leave no stale hint behind, even with gc
    // sweeping meanwhile (checked before any query could drop one).
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));

    expect(new Set(results.map((r) => r.digest)).size).toBe(16);
    for (const key of ["containerd.io/uncompressed", "group", "step", "exp.io/media-type", "writer.3"]) {
      expect(await find(store, key)).toEqual(await scan(store, key));
    }
    for (let i = 0; i < 8; i++) {
      const key = "containerd.io/uncompressed";
      expect(await find(store, key, sha256(`tar-${i}`))).toEqual(await scan(store, key, sha256(`tar-${i}`)));
      expect((await find(store, key, sha256(`tar-${i}`))).length).toBeGreaterThan(0);
    }
    for (const g of ["g0", "g1", "g2"]) expect(await find(store, "group", g)).toEqual(await scan(store, "group", g));
  });

  it("stays complete with writers in two other processes", async () => {
    const { root, store } = await open();
    // allSettled: a failing child must not let the test (and its cleanup) run on while the other writes.
    const children = Promise.allSettled(["w1", "w2"].map((name) => runChild(labelWriter, root, name)));
    // This process relabels the shared blobs too, and sweeps the index, while the children write.
    let stop = false;
    const mine = (async () => {
      for (let round = 0; !stop; round++) {
        for (const info of await store.findByLabel("test/group")) await store.setLabels(info.digest, { "test/parent": String(round % 2) }).catch(() => undefined);
        await store.gc();
      }
    })();
    const outcomes = await children;
    stop = true;
    await mine;
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;

    const keys = ["test/group", "test/step", "test/parent", "writer.w1", "writer.w2"];
    for (const key of keys) expect(await find(store, key)).toEqual(await scan(store, key));
    for (const g of ["g0", "g1", "g2"]) expect(await find(store, "test/group", g)).toEqual(await scan(store, "test/group", g));
    // Not 24 each: concurrent setLabels on one blob from two processes is last-writer-wins.
    expect((await find(store, "writer.w1")).length).toBeGreaterThan(0);
    // The findByLabel(key) calls above dropped any hint left stale by a race across processes.
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
  });
});

describe("gc and the label index", () => {
  it("removes the hints of deleted blobs and of orphan records, and empty directories", async () => {
    const { root, store } = await open();
    const kept = await store.writeBlob("kept", { labels: { "containerd.io/uncompressed": sha256("kept-tar"), kind: "layer" } });
    const dropped = await store.writeBlob("dropped", { labels: { "containerd.io/uncompressed": sha256("dropped-tar"), kind: "layer" } });
    await store.roots.set("keep", { mediaType: "application/octet-stream", digest: kept.digest, size: kept.size });
    // Left by crashes: a hint whose blob and record are gone, and a record whose blob never came.
    const lost = sha256("lost");
    await mkdir(dirname(hintFile(root, "kind", "ghost", lost)), { recursive: true });
    await writeFile(hintFile(root, "kind", "ghost", lost), "");
    const orphan = sha256("orphan");
    await writeFile(join(root, "meta", "blobs", "sha256", `${hex(orphan)}.json`), JSON.stringify({ createdAt: new Date().toISOString(), labels: { kind: "layer" } }));
    await writeFile(hintFile(root, "kind", "layer", orphan), "");

    expect((await store.gc()).deleted).toEqual([dropped.digest]);
    expect(await actualIndex(root)).toEqual(await expectedIndex(store));
    expect(await actualIndex(root)).toHaveLength(2);
    // The directories of values no blob has any more are gone too.
    expect(await readdir(join(root, "meta", "labels", h("containerd.io/uncompressed")))).toEqual([h(sha256("kept-tar"))]);
    expect(await readdir(join(root, "meta", "labels", h("kind")))).toEqual([h("layer")]);
    expect(await find(store, "kind")).toEqual([kept.digest]);

    await store.roots.delete("keep");
    await store.gc();
    expect(await readdir(join(root, "meta", "labels"))).toEqual([".version"]);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const labelWriter = join(here, "__fixtures__", "label-writer-child.ts");

async function runChild(script: string, ...args: string[]): Promise<void> {
  const child = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", script, ...args], { cwd: dirname(here), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0 || !out.includes("done")) throw new Error(`child ${args.join(" ")} exited with ${code}: ${out}`);
}

/** The pid of a process that has exited (and been reaped), so it is certainly not alive. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

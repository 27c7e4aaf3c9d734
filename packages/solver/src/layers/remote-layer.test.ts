import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { DigestMismatchError, type Descriptor, type Digest } from "@exp/oci-spec";
import type { BlobFetcher } from "../sources/blob-fetcher.js";
import { compressionLabel, uncompressedLabel } from "./layer-blob.js";
import { remoteLayer } from "./remote-layer.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-remote-layer-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sha = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Digest;
const collect = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A source that streams `served` for the blob, verifying as BlobFetcher.fetch promises (it fails at the end on a mismatch). */
function fetcherOf(served: Buffer, calls: { count: number }): BlobFetcher {
  return {
    name: "test source",
    async fetch(descriptor) {
      calls.count++;
      async function* verified() {
        for (let at = 0; at < served.length; at += 64 * 1024) yield served.subarray(at, at + 64 * 1024);
        if (sha(served) !== descriptor.digest) throw new DigestMismatchError("test blob", descriptor.digest, sha(served));
      }
      return Readable.from(verified());
    },
    fetchDocument: () => Promise.reject(new Error("not used")),
    root: () => Promise.reject(new Error("not used")),
  };
}

describe("remoteLayer.openBlob", () => {
  const blob = randomBytes(700_000);
  const descriptor: Descriptor = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(blob), size: blob.length };
  const diffID = sha(Buffer.from("the layer's tar"));

  it("streams a blob the store lacks from its source and keeps it, labelled; the next read comes from the store", async () => {
    const calls = { count: 0 };
    const layer = remoteLayer({ fetcher: fetcherOf(blob, calls), descriptor, diffID, store });
    const lease = (await store.leases.create()).id;
    expect((await collect(await layer.openBlob!({ lease }))).equals(blob)).toBe(true);
    // The store's copy completes on its own reader's pace; wait for it.
    for (let i = 0; i < 100 && !(await store.exists(descriptor.digest)); i++) await new Promise((r) => setTimeout(r, 10));
    const info = await store.info(descriptor.digest);
    expect(info.labels).toMatchObject({ [uncompressedLabel]: diffID, [compressionLabel]: "gzip" });
    expect((await collect(await layer.openBlob!({ lease }))).equals(blob)).toBe(true);
    expect(calls.count).toBe(1);
  });

  it("bad bytes from the source fail the caller's stream and are not kept", async () => {
    const corrupted = Buffer.from(blob);
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    const layer = remoteLayer({ fetcher: fetcherOf(corrupted, { count: 0 }), descriptor, diffID, store });
    await expect(collect(await layer.openBlob!({}))).rejects.toBeInstanceOf(DigestMismatchError);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.exists(descriptor.digest)).toBe(false);
  });

  it("a caller that stops early leaves the store's copy whole", async () => {
    const layer = remoteLayer({ fetcher: fetcherOf(blob, { count: 0 }), descriptor, diffID, store });
    const stream = await layer.openBlob!({});
    for await (const _ of stream) break;
    for (let i = 0; i < 100 && !(await store.exists(descriptor.digest)); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await store.readAll(descriptor.digest, { maxBytes: blob.length })).equals(blob)).toBe(true);
  });
});

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReference, type BlobSource, type Digest } from "@exp/oci-spec";
import { createRegistryClient } from "@exp/registry";
import { seededRandom, skipUnlessTools, startFaultProxy, startRegistry, type FaultRule, type TestRegistry } from "@exp/testing";

// Issue 17, point 4: an upload cut part way resumes from the offset the registry reports holding,
// so a very large blob gets through a flaky or size-limited proxy. The blob is made on the fly
// (never held in memory or on disk on the client side); its size is EXP_RESUME_BLOB_MIB (1 GiB,
// the size, by default: about 20 s here).

const MiB = 1024 * 1024;
const BLOB_BYTES = Number(process.env.EXP_RESUME_BLOB_MIB ?? 1024) * MiB;
const CHUNK = 16 * MiB;
/** For the cases that end a session: four chunks, so that restarting costs seconds, not minutes. */
const SMALL_BYTES = 4 * CHUNK;
/**
 * Where each cut falls: 1 MiB into a chunk's body. The bytes before a cut are lost with
 * distribution wherever the cut falls (see the last test), so what a run sends is the blob plus
 * one such prefix per cut: 1.07 × the blob here, against a restart of the whole upload per cut
 * before resuming existed (which never finished: each session met its own cut).
 */
const CUT_AFTER = MiB + 12_345;

/** A deterministic blob of `size` bytes: 1 MiB of seeded noise, each block stamped with its index. */
function generatedSource(size: number, digest: Digest): BlobSource {
  const random = seededRandom(17);
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
  const bytesFrom = async function* (start: number): AsyncGenerator<Uint8Array> {
    for (let offset = start; offset < size; ) {
      const index = Math.floor(offset / MiB);
      const stamped = Buffer.from(block);
      stamped.writeUInt32LE(index, 0);
      const within = offset - index * MiB;
      const end = Math.min(MiB, size - index * MiB);
      yield stamped.subarray(within, end);
      offset = index * MiB + end;
    }
  };
  return { digest, size, open: async () => bytesFrom(0), openFrom: async (start) => bytesFrom(start) };
}

async function digestOfSource(size: number): Promise<Digest> {
  const hash = createHash("sha256");
  for await (const chunk of await generatedSource(size, "sha256:0" as Digest).open({})) hash.update(chunk);
  return `sha256:${hash.digest("hex")}` as Digest;
}

/** Every request matching `match` is cut once: the 1st, 3rd, 5th… of them, each followed by the retry that passes. */
function cutEachOnce(match: FaultRule["match"], fault: FaultRule["fault"], requests: number): FaultRule {
  return { match, nth: Array.from({ length: requests }, (_, i) => 2 * i + 1), fault };
}

describe.skipIf(skipUnlessTools("docker-registry"))("uploads through a proxy that cuts upload requests", () => {
  let registry: TestRegistry;
  let big: BlobSource;
  let small: BlobSource;

  beforeAll(async () => {
    registry = await startRegistry();
    const sourceOf = async (size: number) => generatedSource(size, await digestOfSource(size));
    [big, small] = await Promise.all([sourceOf(BLOB_BYTES), sourceOf(SMALL_BYTES)]);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it(`a ${BLOB_BYTES / MiB} MiB blob, every PATCH cut once: resumed from the registry's Range in one session, under 1.1 × the blob sent`, async () => {
    // A cut before anything is forwarded, as by a proxy that buffers bodies (nginx's default): the
    // registry's upload stays at the chunk's start. (A cut after part of a body reached
    // distribution ends its session: see the last test.)
    const patches = Math.ceil(BLOB_BYTES / CHUNK);
    const proxy = await startFaultProxy({ target: registry.url, rules: [cutEachOnce({ method: "PATCH" }, { type: "reset-request", afterBytes: CUT_AFTER }, patches)] });
    try {
      const client = createRegistryClient({ insecure: [proxy.host] });
      const ref = parseReference(`${proxy.host}/resume/chunked:v1`);
      const result = await client.pushBlob(ref, big, { upload: "chunked", chunkSize: CHUNK });
      expect(result).toMatchObject({ status: "uploaded", sessions: 1 });
      const cuts = proxy.stats.log.filter((e) => e.fault === "reset-request");
      expect(cuts).toHaveLength(patches);
      const sent = proxy.stats.log.reduce((sum, e) => sum + e.requestBytes, 0);
      expect(sent).toBeLessThan(1.1 * BLOB_BYTES);
      expect(proxy.stats.requestBytes).toBe(BLOB_BYTES); // each byte reached the registry once
      // One status query per cut, and the blob is whole under its digest.
      expect(proxy.stats.log.filter((e) => e.method === "GET" && e.path.includes("/blobs/uploads/"))).toHaveLength(patches);
      expect(await client.blobExists(ref, big.digest)).toBe(true);
      await client.close();
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  it("a whole-blob PUT cut part way: the next session goes in chunks, so the next cut costs a chunk, not the blob", async () => {
    const proxy = await startFaultProxy({
      target: registry.url,
      rules: [
        { match: { method: "PUT", path: /\/blobs\/uploads\// }, nth: [1], fault: { type: "reset-request", afterBytes: SMALL_BYTES / 2 } },
        { match: { method: "PATCH" }, nth: [2], fault: { type: "reset-request", afterBytes: CUT_AFTER } },
      ],
    });
    try {
      const client = createRegistryClient({ insecure: [proxy.host] });
      const ref = parseReference(`${proxy.host}/resume/monolithic:v1`);
      expect(await client.pushBlob(ref, small, { chunkSize: CHUNK })).toMatchObject({ status: "uploaded", sessions: 2 });
      const patches = proxy.stats.log.filter((e) => e.method === "PATCH");
      expect(patches).toHaveLength(SMALL_BYTES / CHUNK + 1);
      expect(proxy.stats.requestBytes).toBe(SMALL_BYTES);
      expect(await client.blobExists(ref, small.digest)).toBe(true);
      await client.close();
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it("a PATCH cut after part of its body reached distribution: the registry ends the session, and a new one completes", async () => {
    // distribution 2.8 (registry/handlers/blobupload.go, blobUploadDispatcher) cancels an upload
    // whose size differs from the offset signed into its _state: the status query gets 404
    // BLOB_UPLOAD_INVALID, and only a new session can go on.
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ match: { method: "PATCH" }, nth: [2], fault: { type: "cut-request", afterBytes: CUT_AFTER } }] });
    try {
      const client = createRegistryClient({ insecure: [proxy.host] });
      const ref = parseReference(`${proxy.host}/resume/invalidated:v1`);
      expect(await client.pushBlob(ref, small, { upload: "chunked", chunkSize: CHUNK })).toMatchObject({ status: "uploaded", sessions: 2 });
      const status = proxy.stats.log.filter((e) => e.method === "GET" && e.path.includes("/blobs/uploads/"));
      expect(status.map((e) => e.status)).toEqual([404]);
      expect(await client.blobExists(ref, small.digest)).toBe(true);
      await client.close();
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});

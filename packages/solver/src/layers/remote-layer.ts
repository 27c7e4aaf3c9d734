import type { Readable } from "node:stream";
import { PassThrough, pipeline } from "node:stream";
import type { ContentStore } from "@exp/content";
import { throwIfAborted } from "@exp/errors";
import { compressionOfMediaType, createDigestVerifier, DigestMismatchError, type Descriptor, type Digest } from "@exp/oci-spec";
import type { BlobFetcher } from "../sources/blob-fetcher.js";
import { createDecompressor, type CompressionType } from "./compression.js";
import type { Layer } from "./layer.js";
import { compressionLabel, uncompressedLabel } from "./layer-blob.js";

export interface RemoteLayerInit {
  fetcher: BlobFetcher;
  /** The compressed blob as the image's manifest lists it. */
  descriptor: Descriptor;
  /** From the image config's rootfs.diff_ids. */
  diffID: Digest;
  store: ContentStore;
  /** The build's lease: a downloaded blob is kept under it. */
  lease?: string;
  createdAt?: Date;
  description?: string;
}

/**
 * A base-image layer. Nothing is downloaded until its bytes are needed (a COPY --from it, or an
 * exporter that must recompress it); then the blob is fetched once into the content store, with
 * its uncompressed label, so later reads and later builds use the local copy.
 */
export function remoteLayer(init: RemoteLayerInit): Layer {
  const { descriptor, diffID, store } = init;
  const compression = compressionOfMediaType(descriptor.mediaType) ?? "gzip";
  /** Downloads the compressed blob once into the store, with its uncompressed label. */
  async function fetchBlob({ signal, lease }: { signal?: AbortSignal; lease?: string }): Promise<void> {
    if (await store.exists(descriptor.digest)) {
      // The stored blob matches its digest; the manifest may still lie about its size, which a
      // copy of the blob under this descriptor would otherwise find only half-way through.
      const { size } = await store.info(descriptor.digest, signal ? { signal } : {});
      if (size !== descriptor.size) throw new DigestMismatchError(`size of layer ${descriptor.digest} of ${init.fetcher.name}`, String(descriptor.size), String(size));
      if (lease) await store.leases.addResource(lease, descriptor.digest);
      return;
    }
    await store.ingest(await init.fetcher.fetch(descriptor, signal ? { signal } : {}), ingestOptions(signal, lease));
  }
  /** How a download is stored: checked against the descriptor, labelled with what it holds. */
  function ingestOptions(signal: AbortSignal | undefined, lease: string | undefined) {
    return {
      expected: { digest: descriptor.digest, size: descriptor.size },
      labels: { [uncompressedLabel]: diffID, [compressionLabel]: compression },
      ...(lease ? { lease } : {}),
      ...(signal ? { signal } : {}),
    };
  }
  /** The blob's bytes, from the store, or from the source while they are stored (see Layer.openBlob). */
  async function openBlob({ signal, lease }: { signal?: AbortSignal; lease?: string }): Promise<Readable> {
    if (await store.exists(descriptor.digest)) {
      await fetchBlob({ ...(signal ? { signal } : {}), ...(lease ? { lease } : {}) });
      return (await store.read(descriptor.digest, signal ? { signal } : {})) as Readable;
    }
    const fetched = await init.fetcher.fetch(descriptor, signal ? { signal } : {});
    // Two readers of one download: the store and the caller. Readable.pipe waits for the slower,
    // and keeps feeding the store when the caller goes away (a failed upload), so the copy is
    // whole for the retry, which then reads it from the store.
    // The fetcher verifies what it streams (BlobFetcher.fetch): both readers get its error.
    const toStore = new PassThrough();
    const toCaller = new PassThrough();
    fetched.on("error", (error) => {
      toStore.destroy(error);
      toCaller.destroy(error);
    });
    fetched.pipe(toStore);
    fetched.pipe(toCaller);
    store
      .ingest(toStore, ingestOptions(signal, lease))
      // Bad bytes reach the caller as the fetcher's error; a store that could not keep good ones
      // only means the next reader fetches again.
      .catch(() => undefined);
    return toCaller;
  }
  return {
    diffID,
    knownBlobs: [{ ...descriptor, annotations: { ...descriptor.annotations, [uncompressedLabel]: diffID } }],
    ...(init.fetcher.origin ? { origin: init.fetcher.origin } : {}),
    ...(init.createdAt ? { createdAt: init.createdAt } : {}),
    ...(init.description ? { description: init.description } : {}),
    fetchBlob,
    openBlob,
    async openTar({ signal }): Promise<Readable> {
      throwIfAborted(signal, `reading layer ${diffID}`);
      await fetchBlob({ ...(signal ? { signal } : {}), ...(init.lease ? { lease: init.lease } : {}) });
      const compressed = await store.read(descriptor.digest, signal ? { signal } : {});
      // Named by its blob digest: the diffID is what is checked, so naming the layer by it too
      // would read "layer X: expected X, got Y".
      return verifiedTar(compressed as Readable, compression, diffID, `the uncompressed content of layer ${descriptor.digest} of ${init.fetcher.name} (against the config's diff_id)`);
    },
  };
}

/** Decompresses and checks the result against the diffID before the last byte is passed on. */
function verifiedTar(compressed: Readable, compression: CompressionType, diffID: Digest, what: string): Readable {
  const check = createDigestVerifier(diffID, what);
  pipeline(compressed, createDecompressor(compression), check, () => undefined);
  return check;
}

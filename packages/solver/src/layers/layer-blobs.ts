import { availableParallelism } from "node:os";
import { pipeline } from "node:stream/promises";
import { Semaphore } from "@exp/locks";
import { throwIfAborted } from "@exp/errors";
import type { ContentStore, BlobInfo } from "@exp/content";
import { compressionOfMediaType, type Digest } from "@exp/oci-spec";
import { checkCompressionRequest, compressionTypes, createCompressor, type CompressionRequest, type CompressionType } from "./compression.js";
import type { Layer } from "./layer.js";
import { compressionLabel, compressionLevelLabel, layerBlobDescriptor, uncompressedLabel, type LayerBlob } from "./layer-blob.js";
import { ByteCounter } from "../progress/byte-counter.js";
import type { BlobCallOptions, LayerBlobProvider } from "./layer-blob-provider.js";

export type { BlobCallOptions };

export interface LayerBlobStats {
  /** Blobs compressed and written by this instance. */
  created: number;
  /** Requests answered with a blob that already existed. */
  reused: number;
}

/**
 * The one place layer blobs are made. A build shares one instance across every exporter and cache
 * exporter, so a (layer, compression, level) is compressed at most once: concurrent callers wait on
 * the same creation (single-flight), later callers find the stored blob by its uncompressed label.
 */
export class LayerBlobs implements LayerBlobProvider {
  readonly stats: LayerBlobStats = { created: 0, reused: 0 };
  private readonly inFlight = new Map<string, Promise<LayerBlob>>();
  /** Blobs this build handed to an exporter: they exist as blobs, whatever their compression. */
  private readonly handedOut = new Set<Digest>();

  /**
   * Compressions running at once. gzip deflates on libuv's thread pool and zstd runs in its own
   * process, so independent layers already use every core when asked for together. Twice the
   * cores keeps them busy while other streams wait on the disk (`pnpm bench cpu`: 1.9× on 2
   * cores, against 1.5× with one stream per core); unbounded would only add contention. A gzip
   * layer's blocks (@exp/pgzip) take the process's deflate slots (one more than the cores, and
   * fewer than libuv's threads), shared by every layer: one large layer alone uses every core,
   * several at once share them.
   */
  private readonly slots: Semaphore;

  constructor(
    readonly store: ContentStore,
    options: { concurrency?: number } = {},
  ) {
    this.slots = new Semaphore(options.concurrency ?? 2 * availableParallelism(), "waiting for a compression slot");
  }

  /** A blob of `layer` in the requested compression, made if needed, added to `options.lease`. */
  async get(layer: Layer, request: CompressionRequest, options: BlobCallOptions = {}): Promise<LayerBlob> {
    const blob = await this.getBlob(layer, request, options);
    this.handedOut.add(blob.descriptor.digest);
    return blob;
  }

  private async getBlob(layer: Layer, request: CompressionRequest, options: BlobCallOptions): Promise<LayerBlob> {
    checkCompressionRequest(request);
    throwIfAborted(options.signal, `getting a blob for layer ${layer.diffID}`);
    const existing = this.pick(layer, await this.localVariants(layer, options.signal), request);
    if (existing && (await this.hold(existing, options))) {
      this.stats.reused++;
      return existing;
    }
    const base = request.force ? undefined : await this.baseBlob(layer, options);
    if (base) {
      this.stats.reused++;
      return base;
    }
    const key = `${layer.diffID}|${request.type}|${request.level ?? ""}`;
    let creation = this.inFlight.get(key);
    if (creation) {
      const made = await creation;
      if (await this.hold(made, options)) {
        this.stats.reused++;
        return made;
      }
    }
    creation = this.create(layer, request, options);
    this.inFlight.set(key, creation);
    try {
      return await creation;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * Only what exists already, locally or as a known remote blob; never compresses. This is what
   * cache export in mode=min uses, so it exports exactly the blobs the image exporters produced.
   */
  async existing(layer: Layer, options: BlobCallOptions & { compression?: CompressionType } = {}): Promise<LayerBlob | undefined> {
    // The layer's own uncompressed tar (digest = diffID) is the build's snapshot, not a blob anyone
    // exported, unless an exporter of this build asked for it as one.
    const variants = (await this.localVariants(layer, options.signal)).filter((v) => v.descriptor.digest !== layer.diffID || this.handedOut.has(v.descriptor.digest));
    const ordered = options.compression ? [...variants].sort((a, b) => rank(b, options.compression) - rank(a, options.compression)) : variants;
    for (const candidate of ordered) {
      if (await this.hold(candidate, options)) return candidate;
    }
    const remote = layer.knownBlobs?.[0];
    if (!remote) return undefined;
    const compression = compressionOfMediaType(remote.mediaType) ?? "gzip";
    return { descriptor: remote, diffID: layer.diffID, compression, local: false };
  }

  private pick(layer: Layer, variants: readonly LayerBlob[], request: CompressionRequest): LayerBlob | undefined {
    const sameType = variants.filter((v) => v.compression === request.type);
    // force-compression with an explicit level asks for exactly that level (BuildKit's
    // testSnapshotWithMultipleBlobs: levels 0 and 9 give two blobs).
    const exact = request.force && request.level !== undefined ? sameType.find((v) => v.level === request.level) : sameType[0];
    if (exact) return exact;
    if (request.force) return undefined;
    // Without force, a base-image layer keeps the blob it came with, whatever its compression, as
    // BuildKit does. Other variants (the layer's own uncompressed tar, a blob made for another
    // exporter) never stand in for the compression asked for.
    return variants.find((v) => layer.knownBlobs?.some((k) => k.digest === v.descriptor.digest));
  }

  /** A base layer's own blob: remote when allowed, else fetched into the store. */
  private async baseBlob(layer: Layer, options: BlobCallOptions): Promise<LayerBlob | undefined> {
    const known = layer.knownBlobs?.[0];
    if (!known) return undefined;
    const compression = compressionOfMediaType(known.mediaType) ?? "gzip";
    const blob = { descriptor: known, diffID: layer.diffID, compression };
    if (options.allowRemote) return { ...blob, local: false };
    if (!layer.fetchBlob) return undefined;
    await layer.fetchBlob({ ...(options.signal ? { signal: options.signal } : {}), ...(options.lease ? { lease: options.lease } : {}) });
    return { ...blob, local: true };
  }

  private async localVariants(layer: Layer, signal?: AbortSignal): Promise<LayerBlob[]> {
    const infos = await this.store.findByLabel(uncompressedLabel, layer.diffID, signal ? { signal } : {});
    return infos.map((info) => fromInfo(info, layer.diffID));
  }

  /** Adds the blob to the caller's lease, then checks it survived (a GC may have raced us). */
  private async hold(blob: LayerBlob, options: BlobCallOptions): Promise<boolean> {
    if (options.lease) await this.store.leases.addResource(options.lease, blob.descriptor.digest, options.signal ? { signal: options.signal } : {});
    return this.store.exists(blob.descriptor.digest);
  }

  private async create(layer: Layer, request: CompressionRequest, options: BlobCallOptions): Promise<LayerBlob> {
    const release = await this.slots.acquire(options.signal);
    try {
      return await this.compress(layer, request, options);
    } finally {
      release();
    }
  }

  private async compress(layer: Layer, request: CompressionRequest, options: BlobCallOptions): Promise<LayerBlob> {
    const progress = options.progress;
    const tar = await layer.openTar(options.signal ? { signal: options.signal } : {});
    const compressor = createCompressor(request, { signal: options.signal });
    // Progress counts the layer's tar as it is read, against its size when known, so the bar ends
    // at the layer's size (the compressed size is not known until the end).
    progress?.bytes(layer.diffID, "compressing", 0, layer.size);
    const counter = progress ? new ByteCounter((read) => progress.bytes(layer.diffID, "compressing", read, layer.size)) : undefined;
    const feeding = (counter ? pipeline(tar, counter, compressor) : pipeline(tar, compressor)).catch((error: unknown) => {
      compressor.destroy(error as Error);
    });
    const labels: Record<string, string> = { [uncompressedLabel]: layer.diffID, [compressionLabel]: request.type };
    if (request.level !== undefined) labels[compressionLevelLabel] = String(request.level);
    const result = await this.store.ingest(compressor, {
      labels,
      ...(options.lease ? { lease: options.lease } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await feeding;
    // The last update says the whole tar was read, whatever its size turned out to be.
    if (counter && progress) progress.bytes(layer.diffID, "compressing", counter.total, counter.total);
    this.stats.created++;
    return {
      descriptor: layerBlobDescriptor(result.digest, result.size, layer.diffID, request.type),
      diffID: layer.diffID,
      compression: request.type,
      ...(request.level === undefined ? {} : { level: request.level }),
      local: true,
    };
  }
}

function fromInfo(info: BlobInfo, diffID: Digest): LayerBlob {
  const compression = (compressionTypes as readonly string[]).includes(info.labels[compressionLabel] ?? "")
    ? (info.labels[compressionLabel] as CompressionType)
    : "gzip";
  const levelText = info.labels[compressionLevelLabel];
  return {
    descriptor: layerBlobDescriptor(info.digest, info.size, diffID, compression),
    diffID,
    compression,
    ...(levelText === undefined ? {} : { level: Number(levelText) }),
    local: true,
  };
}

function rank(blob: LayerBlob, preferred: CompressionType | undefined): number {
  return blob.compression === preferred ? 1 : 0;
}

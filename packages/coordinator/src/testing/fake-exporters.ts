import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ContentStore } from "@exp/content";
import type { Descriptor, Digest } from "@exp/oci-spec";
import {
  descriptorReference,
  leaseHandle,
  type CacheExportContext,
  type CacheMode,
  type CompressionRequest,
  type ExportContext,
  type ExporterInstance,
  type ExportResult,
  type ExportSource,
  type FinalizeContext,
  type InlineCacheExporterInstance,
  type LayerBlob,
  type RemoteCacheExporterInstance,
} from "@exp/solver";

/**
 * Small but honest exporters on the real contract, for the coordinator's tests and benchmark:
 * they make real blobs through ctx.blobs, write a real config and manifest into the store under
 * their own lease, and "push" in finalize by reading every blob back (verified) from the store,
 * so a blob lost to GC between the phases makes them fail.
 */
export interface EventLog {
  events: string[];
}

export interface FakeImageOptions {
  id: string;
  log: EventLog;
  compression?: CompressionRequest;
  /** Without it the exporter has no finalize (a store-only export). */
  push?: (ctx: FinalizeContext, blobs: readonly Descriptor[]) => Promise<void>;
  beforeCreate?: (ctx: ExportContext) => Promise<void>;
  wantsInlineCache?: boolean;
  failCreate?: Error;
}

export function fakeImageExporter(options: FakeImageOptions): ExporterInstance & { inlineValues: string[] } {
  const inlineValues: string[] = [];
  return {
    type: "fake-image",
    name: `exporting to ${options.id}`,
    wantsInlineCache: options.wantsInlineCache ?? false,
    inlineValues,
    async export(source: ExportSource, ctx: ExportContext): Promise<ExportResult> {
      options.log.events.push(`${options.id}:create:start`);
      const lease = await ctx.store.leases.create({ labels: { "exp.io/owner": options.id } });
      try {
        await options.beforeCreate?.(ctx);
        if (options.failCreate) throw options.failCreate;
        const result = source.results[0]!;
        const layers: LayerBlob[] = [];
        for (const layer of result.ref.layers) {
          layers.push(await ctx.blobs.get(layer, options.compression ?? { type: "gzip" }, { lease: lease.id, signal: ctx.signal, progress: ctx.progress }));
        }
        const layerDescriptors = layers.map((l) => l.descriptor);
        const inline = ctx.inlineCache ? await ctx.inlineCache({ result, layers: layerDescriptors, signal: ctx.signal }) : undefined;
        if (inline !== undefined) inlineValues.push(inline);
        const config = { ...result.config, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) }, ...(inline ? { "moby.buildkit.cache.v0": inline } : {}) };
        const configDescriptor = await writeJSON(ctx.store, config, "application/vnd.oci.image.config.v1+json", lease.id);
        const manifest = { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: configDescriptor, layers: layerDescriptors };
        const manifestDescriptor = await writeJSON(ctx.store, manifest, manifest.mediaType, lease.id);
        const descref = descriptorReference(ctx.store, lease.id, manifestDescriptor);
        options.log.events.push(`${options.id}:create:end`);
        const push = options.push;
        return {
          response: { "containerimage.digest": manifestDescriptor.digest, "image.name": options.id },
          descref,
          ...(push
            ? {
                finalize: async (fctx: FinalizeContext) => {
                  options.log.events.push(`${options.id}:finalize:start`);
                  const all = [manifestDescriptor, configDescriptor, ...layerDescriptors];
                  await push(fctx, all);
                  for (const d of all) await readFully(ctx.store, d.digest, fctx.signal);
                  options.log.events.push(`${options.id}:finalize:end`);
                },
              }
            : {}),
        };
      } catch (error) {
        // The contract: a failed create releases its own lease (nobody else holds it).
        await ctx.store.leases.release(lease.id);
        throw error;
      }
    },
  };
}

export interface FakeCacheOptions {
  id: string;
  log: EventLog;
  mode: CacheMode;
  ignoreError?: boolean;
  push?: (ctx: FinalizeContext, blobs: readonly Descriptor[]) => Promise<void>;
  failCreate?: Error;
  /** Called when its finalize has read everything back, i.e. the cache export fully succeeded. */
  onFinalized?: () => void;
}

export function fakeCacheExporter(options: FakeCacheOptions): RemoteCacheExporterInstance & { exported: Array<LayerBlob | undefined> } {
  const exported: Array<LayerBlob | undefined> = [];
  return {
    type: "fake-cache",
    name: `exporting cache to ${options.id}`,
    mode: options.mode,
    ignoreError: options.ignoreError ?? false,
    exported,
    async export(source: ExportSource, ctx: CacheExportContext) {
      options.log.events.push(`${options.id}:create:start`);
      if (options.failCreate) throw options.failCreate;
      const lease = await ctx.store.leases.create({ labels: { "exp.io/owner": options.id } });
      for (const layer of source.results[0]!.ref.layers) {
        exported.push(
          options.mode === "min"
            ? await ctx.blobs.existing(layer, { lease: lease.id, signal: ctx.signal })
            : await ctx.blobs.get(layer, { type: "gzip" }, { lease: lease.id, signal: ctx.signal }),
        );
      }
      const blobs = exported.filter((b): b is LayerBlob => b !== undefined).map((b) => b.descriptor);
      const config = await writeJSON(ctx.store, { layers: blobs.map((b) => ({ blob: b.digest })) }, "application/vnd.buildkit.cacheconfig.v0", lease.id);
      options.log.events.push(`${options.id}:create:end`);
      const push = options.push;
      return {
        response: { "cache.manifest": config.digest, "other.key": "dropped" },
        hold: leaseHandle(ctx.store, lease.id),
        ...(push
          ? {
              finalize: async (fctx: FinalizeContext) => {
                options.log.events.push(`${options.id}:finalize:start`);
                await push(fctx, [config, ...blobs]);
                for (const d of [config, ...blobs]) await readFully(ctx.store, d.digest, fctx.signal);
                options.log.events.push(`${options.id}:finalize:end`);
                options.onFinalized?.();
              },
            }
          : {}),
      };
    },
  };
}

export function fakeInlineCache(log: EventLog): InlineCacheExporterInstance & { calls: number } {
  const state = { calls: 0, busy: false };
  const instance = {
    type: "inline",
    name: "preparing inline cache",
    mode: "min" as const,
    ignoreError: false,
    inline: true as const,
    get calls() {
      return state.calls;
    },
    async prepare(source: ExportSource) {
      log.events.push("inline:prepare:start");
      const diffIDs = source.results[0]!.ref.layers.map((l) => l.diffID);
      log.events.push("inline:prepare:end");
      return async (request: { layers: readonly Descriptor[] }) => {
        // The real inline exporter is stateful; overlapping calls would corrupt it.
        if (state.busy) throw new Error("inline cache called concurrently");
        state.busy = true;
        state.calls++;
        await Promise.resolve();
        state.busy = false;
        const positions = request.layers.map((l) => diffIDs.indexOf(l.annotations?.["containerd.io/uncompressed"] as Digest));
        return Buffer.from(JSON.stringify([{ layers: positions }])).toString("base64");
      };
    },
  };
  return instance;
}

async function writeJSON(store: ContentStore, value: unknown, mediaType: string, lease: string): Promise<Descriptor> {
  const result = await store.writeBlob(JSON.stringify(value), { lease, mediaType });
  return { mediaType, digest: result.digest, size: result.size };
}

/** Reads a blob end to end; the store verifies its digest, so a missing or torn blob throws. */
export async function readFully(store: ContentStore, digest: Digest, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  const stream = await store.read(digest, signal ? { signal } : {});
  await pipeline(stream, new Writable({ write: (chunk: Buffer, _e, done) => ((bytes += chunk.length), done()) }));
  return bytes;
}

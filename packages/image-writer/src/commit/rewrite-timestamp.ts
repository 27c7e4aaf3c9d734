import { isAbortError } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { compressionLabel, storedLayer, uncompressedLabel, type ExportContext, type Layer } from "@exp/solver";
import { readTar, TarError, writeTar, type TarHeader, type TarWriteEntry, type TarWriteHeader } from "@exp/tar";

export interface RewriteTimestampOptions {
  epochSeconds: number;
  /**
   * The diff_ids of the image the result is built FROM: the result's first layers, as long as they
   * are those, are the base's and are kept (BuildKit's rewriteRemoteWithEpoch, writer.go).
   */
  baseDiffIDs?: readonly Digest[];
  lease: string;
}

/**
 * BuildKit's `rewrite-timestamp=true` (exporter/containerimage/writer.go, rewriteRemoteWithEpoch,
 * and util/converter's rewriteTimestampInTarHeader): every layer after the base image's is read
 * and written again with each entry's mtime (and PAX atime/ctime) later than the epoch set to it,
 * so the image's layers do not depend on when the build ran. The new tar goes into the store
 * (its digest is the new diffID) and is compressed like any layer; a layer the rewrite leaves
 * byte-identical is kept as it is. As in BuildKit, a layer that cannot be rewritten (an entry
 * kind the tar writer does not write) is kept with a warning rather than failing the export.
 */
export async function rewriteTimestamps(layers: readonly Layer[], ctx: ExportContext, options: RewriteTimestampOptions): Promise<Layer[]> {
  let divergedFromBase = false;
  return Promise.all(
    layers.map((layer, i) => {
      const base = options.baseDiffIDs?.[i];
      if (!divergedFromBase && base !== undefined) {
        if (base === layer.diffID) return layer;
        divergedFromBase = true;
      } else {
        divergedFromBase = true;
      }
      return rewriteLayer(layer, ctx, options).catch((error: unknown) => {
        if (isAbortError(error) || !(error instanceof TarError)) throw error;
        ctx.progress.warn(`failed to rewrite layer ${i + 1}/${layers.length} (${layer.diffID}) to match source-date-epoch ${options.epochSeconds}: ${error.message}; it is exported as it was`);
        return layer;
      });
    }),
  );
}

async function rewriteLayer(layer: Layer, ctx: ExportContext, options: RewriteTimestampOptions): Promise<Layer> {
  const { signal } = ctx;
  const source = await layer.openTar({ signal });
  const entries = clampedEntries(readTar(source, { signal, name: `layer ${layer.diffID}` }), options.epochSeconds * 1000);
  const written = await ctx.store.ingest(writeTar(entries, { signal }), { lease: options.lease, labels: { [compressionLabel]: "uncompressed" }, signal });
  if (written.digest === layer.diffID) return layer;
  // Found by LayerBlobs as the uncompressed variant of the new diffID, like a layer the build wrote.
  await ctx.store.setLabels(written.digest, { [uncompressedLabel]: written.digest }, { signal });
  return storedLayer(ctx.store, {
    diffID: written.digest,
    size: written.size,
    ...(layer.createdAt ? { createdAt: layer.createdAt } : {}),
    ...(layer.description ? { description: layer.description } : {}),
  });
}

async function* clampedEntries(entries: AsyncIterable<{ header: TarHeader; body: AsyncIterable<Buffer> }>, epochMs: number): AsyncGenerator<TarWriteEntry> {
  for await (const { header, body } of entries) {
    yield { header: clampedHeader(header, epochMs), body };
  }
}

// Records the writer makes from the header's own fields; every other record is carried over.
const DERIVED_RECORDS = new Set(["path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime"]);

/** The same entry with its times later than the epoch set to it (Go's tar.Header ModTime, AccessTime, ChangeTime). */
export function clampedHeader(header: TarHeader, epochMs: number): TarWriteHeader {
  if (header.type === "unknown") throw new UnknownEntryError(header);
  const pax: Record<string, string> = {};
  for (const [key, value] of Object.entries(header.pax)) {
    if (DERIVED_RECORDS.has(key)) continue;
    pax[key] = key === "atime" || key === "ctime" ? clampedPaxTime(value, epochMs) : value;
  }
  return {
    name: header.name,
    type: header.type,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    size: header.size,
    mtimeMs: Math.min(header.mtimeMs, epochMs),
    linkname: header.linkname,
    uname: header.uname,
    gname: header.gname,
    devmajor: header.devmajor,
    devminor: header.devminor,
    pax,
    xattrs: header.xattrs,
  };
}

function clampedPaxTime(value: string, epochMs: number): string {
  return Number(value) * 1000 > epochMs ? String(epochMs / 1000) : value;
}

/** An entry whose typeflag the tar writer does not write: the layer is kept as it is. */
class UnknownEntryError extends TarError {
  constructor(header: TarHeader) {
    super("ERR_TAR_UNSUPPORTED", `entry ${JSON.stringify(header.name)} has typeflag ${JSON.stringify(header.typeflag)}, which exp's tar writer does not write`);
  }
}

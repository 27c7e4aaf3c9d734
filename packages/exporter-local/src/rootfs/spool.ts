import { createHash } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { applyHandleMeta } from "../fsops/apply-meta.js";
import type { NodeMeta } from "./node-meta.js";

/** One file's bytes, spooled to disk while its layer streamed past. Hard links share one. */
export interface SpoolFile {
  readonly path: string;
  readonly size: number;
  /** sha256 of the bytes, when the spool hashes (only a platform merge compares contents). */
  readonly digest?: Digest;
  /** Tree entries naming this file; at zero the bytes are deleted. */
  refs: number;
}

export interface SpoolOptions {
  /** Must be on the output's filesystem, so spooled files can be renamed into place. */
  dir: string;
  hash: boolean;
  /**
   * Set each file's mode, times (and owner) as soon as it is written, so that placing it later
   * is a bare rename. Off for tar output, which reads the files back (a 0000 file could not be).
   */
  applyMeta: false | { preserveOwnership: boolean };
}

/**
 * Layer file contents, one temp file per tar entry. A layer is read once, front to back, so its
 * files cannot be left in the tar and fetched later; each goes to disk as it streams past and the
 * tree keeps only metadata. A file that a later layer deletes or replaces is unlinked right away,
 * so the spool holds about the final filesystem, not the sum of the layers.
 */
export class Spool {
  private next = 0;

  constructor(private readonly options: SpoolOptions) {}

  async write(content: AsyncIterable<Uint8Array>, meta: NodeMeta, signal: AbortSignal | undefined): Promise<SpoolFile> {
    const path = join(this.options.dir, String(this.next++));
    const hash = this.options.hash ? createHash("sha256") : undefined;
    // 0600 while writing: the final mode may forbid writing (0444) or, for tar output, reading.
    const handle = await open(path, "wx", 0o600);
    let size = 0;
    try {
      for await (const chunk of content) {
        throwIfAborted(signal, "writing exported files");
        hash?.update(chunk);
        size += chunk.byteLength;
        await writeFully(handle, chunk);
      }
      if (this.options.applyMeta) await applyHandleMeta(handle, meta, this.options.applyMeta.preserveOwnership);
    } finally {
      await handle.close();
    }
    return { path, size, refs: 1, ...(hash ? { digest: `sha256:${hash.digest("hex")}` as Digest } : {}) };
  }

  /** Drops one reference; the bytes go when nothing names them any more. */
  async release(file: SpoolFile): Promise<void> {
    file.refs -= 1;
    // ENOENT: already placed into the output (renamed away) or never kept; either way nothing to free.
    if (file.refs === 0) await unlink(file.path).catch(ignoreMissing);
  }
}

async function writeFully(handle: Awaited<ReturnType<typeof open>>, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  // write() may write less than asked (a signal, a full pipe); regular files rarely do, but a
  // short write silently dropped would corrupt the output.
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

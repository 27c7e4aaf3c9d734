import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { AbortedError } from "@exp/errors";
import { Digester, DigestMismatchError, parseDigest, type Digest } from "@exp/oci-spec";

/**
 * Reads per call: a quarter less CPU than Node's 64 KiB for read + hash; 1 MiB saves a little more
 * but, with a few dozen streams in flight (every upload, every S3 part), costs about 100 MiB more
 * (bench/OPTIMIZATIONS.md).
 */
export const READ_CHUNK = 256 * 1024;

export interface BlobReadStreamInit {
  handle: FileHandle;
  digest: Digest;
  /** First byte, inclusive. */
  start: number;
  /** One past the last byte. */
  end: number;
  /** Hash what is read and fail at the end unless it matches `digest` (a read of the whole blob). */
  verify: boolean;
  signal?: AbortSignal;
}

/**
 * One blob's bytes from an open file, hashed as they are read when the read covers the whole blob.
 * One stream where `createReadStream` piped into a verifying Transform made two: each chunk went
 * through two buffers and two sets of stream callbacks, for every blob every exporter sends.
 * The digest is checked before the end is pushed, so a consumer never sees a clean end of bytes
 * that do not match.
 */
export class BlobReadStream extends Readable {
  private readonly init: BlobReadStreamInit;
  private readonly digester: Digester | undefined;
  private position: number;
  private reading = false;
  private readonly onAbort = () => this.destroy(new AbortedError(`reading blob ${this.init.digest}`, this.init.signal?.reason));

  constructor(init: BlobReadStreamInit) {
    super({ highWaterMark: READ_CHUNK });
    this.init = init;
    this.position = init.start;
    this.digester = init.verify ? new Digester(parseDigest(init.digest).algorithm) : undefined;
    init.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.readNext();
  }

  private async readNext(): Promise<void> {
    try {
      for (;;) {
        const want = Math.min(READ_CHUNK, this.init.end - this.position);
        if (want <= 0) {
          this.finish();
          return;
        }
        // A fresh buffer each time: the consumer (a socket, a hash, a file) may keep the chunk.
        const buffer = Buffer.allocUnsafeSlow(want);
        const { bytesRead } = await this.init.handle.read(buffer, 0, want, this.position);
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.finish();
          return;
        }
        this.position += bytesRead;
        const chunk = bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
        this.digester?.update(chunk);
        if (!this.push(chunk)) break;
      }
      this.reading = false;
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private finish(): void {
    if (this.digester) {
      const actual = this.digester.digest();
      if (actual !== this.init.digest) {
        this.destroy(new DigestMismatchError(`blob ${this.init.digest} in the content store`, this.init.digest, actual));
        return;
      }
    }
    this.push(null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.init.signal?.removeEventListener("abort", this.onAbort);
    this.init.handle.close().then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? (closeError as Error)),
    );
  }
}

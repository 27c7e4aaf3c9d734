import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Writable, type Readable } from "node:stream";
import { throwIfAborted } from "@exp/errors";
import { createDigestVerifier, Digester, type Digest } from "@exp/oci-spec";
import type { Layer } from "./layer.js";

export interface TarballLayerOptions {
  /** Known diffID; when omitted the file is read once to compute it. */
  diffID?: Digest;
  createdAt?: Date;
  description?: string;
  signal?: AbortSignal;
}

/**
 * A layer backed by an uncompressed tar file on disk (what the build graph writes, and what tests
 * make). The file is streamed, never loaded, and every later read is checked against the diffID.
 */
export async function tarballLayer(path: string, options: TarballLayerOptions = {}): Promise<Layer> {
  throwIfAborted(options.signal, `reading layer ${path}`);
  const { size } = await stat(path);
  const diffID = options.diffID ?? (await digestFile(path, options.signal));
  return {
    diffID,
    size,
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    ...(options.description ? { description: options.description } : {}),
    async openTar({ signal }) {
      throwIfAborted(signal, `reading layer ${path}`);
      return verifyingStream(createReadStream(path, signal ? { signal } : {}), diffID, `layer ${path}`);
    },
  };
}

async function digestFile(path: string, signal?: AbortSignal): Promise<Digest> {
  const digester = new Digester();
  await pipeline(
    createReadStream(path),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        digester.update(chunk);
        done();
      },
    }),
    signal ? { signal } : {},
  );
  return digester.digest();
}

function verifyingStream(source: Readable, expected: Digest, what: string): Readable {
  const check = createDigestVerifier(expected, what);
  pipeline(source, check).catch((error: unknown) => check.destroy(error as Error));
  return check;
}

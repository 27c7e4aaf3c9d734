import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { ContentStore } from "@exp/content";

/**
 * The baseline compressor: the file through one Node zlib stream (gzip -6, one thread deflating)
 * into the store, as LayerBlobs compressed every gzip layer before @exp/pgzip. Same reads, same
 * ingest (write + sha256) as the path it is compared with, so only the compression differs.
 */
export async function ingestOneStream(store: ContentStore, path: string, signal: AbortSignal): Promise<void> {
  const gzip = createGzip({ level: 6 });
  const feeding = pipeline(createReadStream(path), gzip, { signal }).catch((error: unknown) => gzip.destroy(error as Error));
  await store.ingest(gzip, { signal });
  await feeding;
}

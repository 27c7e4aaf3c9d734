import { defaultTuning, type AzblobTuning } from "@exp/cache-azblob";

/** Limits for tests to shorten. */
export interface GhaTuning {
  /** The Azure side (blocks, tries, timeouts); its tries and delays also govern the service calls. */
  azblob: AzblobTuning;
  /** Blobs uploaded at once. */
  blobParallelism: number;
}

/**
 * The Azure Blob Storage limits of @exp/cache-azblob, and 4 blobs at once: GitHub rate-limits the
 * cache service per repository, and each blob costs a lookup, a reservation and a commit.
 */
export const defaultGhaTuning: GhaTuning = { azblob: defaultTuning, blobParallelism: 4 };

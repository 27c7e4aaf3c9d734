// For this package's tests only (not exported from index.ts).
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { TestAzurite, TestGhaCache } from "@exp/testing";

export const GHA_CONTAINER = "gha-cache";

/** An entry's body, read from Azurite with a client of its own (not the code under test). */
export async function entryBody(azurite: TestAzurite, gha: TestGhaCache, key: string, container = GHA_CONTAINER): Promise<Buffer> {
  const entry = gha.entries().find((e) => e.key === key && e.finalized);
  if (!entry) throw new Error(`no finalized entry ${key}; entries: ${gha.entries().map((e) => e.key).join(", ")}`);
  const service = new BlobServiceClient(azurite.accountUrl, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
  return service.getContainerClient(container).getBlobClient(entry.blobName).downloadToBuffer();
}

// For this package's tests only (not exported from index.ts).
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import type { TestAzurite } from "@exp/testing";

/**
 * A client of the test Azurite of its own, not the exporter's: what the tests read back is read
 * independently of the code under test.
 */
export function probe(azurite: TestAzurite, container: string): ContainerClient {
  return new BlobServiceClient(azurite.accountUrl, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey)).getContainerClient(container);
}

/** Every committed blob name of a container, sorted ([] when the container does not exist). */
export async function committedNames(azurite: TestAzurite, container: string): Promise<string[]> {
  const client = probe(azurite, container);
  if (!(await client.exists())) return [];
  const names: string[] = [];
  for await (const item of client.listBlobsFlat()) names.push(item.name);
  return names.sort();
}

/** A blob's bytes, or undefined when it is not there. */
export async function read(azurite: TestAzurite, container: string, name: string): Promise<Buffer | undefined> {
  const blob = probe(azurite, container).getBlobClient(name);
  return (await blob.exists()) ? await blob.downloadToBuffer() : undefined;
}

/** The attributes of an export into the test Azurite, through `accountUrl` (a proxy's, when given). */
export function azuriteAttrs(azurite: TestAzurite, extra: Record<string, string> = {}, accountUrl = azurite.accountUrl): Record<string, string> {
  return { account_url: accountUrl, secret_access_key: azurite.accountKey, ...extra };
}

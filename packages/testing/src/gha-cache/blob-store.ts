import type { ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { TestAzurite } from "../azurite.js";

type Sdk = typeof import("@azure/storage-blob");

/**
 * Entry bodies in a real Azurite container, reached by clients through blob SAS URLs, as GitHub's
 * service hands out Azure Blob SAS URLs (actions/toolkit uploads with BlockBlobClient.uploadFile,
 * BuildKit with azblob's blockblob UploadStream; both download with the SDK too).
 */
export interface BlobStore {
  /** A SAS URL that may create and write `blobName` (not read it), valid for the configured TTL. */
  uploadUrl(blobName: string): string;
  /** A SAS URL that may only read `blobName`. */
  downloadUrl(blobName: string): string;
  /** The blob's size, or undefined when nothing was committed under that name. */
  size(blobName: string): Promise<number | undefined>;
}

/**
 * Loads @azure/storage-blob (an optional peer dependency: imported here, lazily, so @exp/testing
 * loads without it) and creates the container when missing.
 */
export async function openBlobStore(azurite: TestAzurite, containerName: string, sasTtlSeconds: number, blobEndpoint = azurite.accountUrl): Promise<BlobStore> {
  let sdk: Sdk;
  try {
    sdk = await import("@azure/storage-blob");
  } catch (error) {
    throw new Error("startGhaCache needs @azure/storage-blob (an optional peer dependency of @exp/testing): install it next to @exp/testing", { cause: error });
  }
  const credential = new sdk.StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  // One try per call: Azurite is on this machine; a failure is reported at once (a 500 to the
  // client) rather than after the SDK's back-offs of several seconds.
  const pipeline = sdk.newPipeline(credential, { retryOptions: { maxTries: 1 } });
  const container = new sdk.BlobServiceClient(azurite.accountUrl, pipeline).getContainerClient(containerName);
  try {
    await container.createIfNotExists();
  } catch (error) {
    throw new Error(`startGhaCache: could not create the container ${JSON.stringify(containerName)} in Azurite at ${azurite.accountUrl}: ${String(error)}`, { cause: error });
  }
  return blobStore(sdk, credential, container, sasTtlSeconds, (url) => `${blobEndpoint.replace(/\/+$/, "")}${url.slice(azurite.accountUrl.replace(/\/+$/, "").length)}`);
}

function blobStore(sdk: Sdk, credential: StorageSharedKeyCredential, container: ContainerClient, sasTtlSeconds: number, publicUrl: (url: string) => string): BlobStore {
  const signedUrl = (blobName: string, permissions: string): string => {
    const sas = sdk.generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        blobName,
        permissions: sdk.BlobSASPermissions.parse(permissions),
        // Azurite serves plain HTTP: a SAS limited to https would be refused there.
        protocol: sdk.SASProtocol.HttpsAndHttp,
        // No start time: the SAS is valid at once (a start of "now" can fail on a clock a second behind).
        expiresOn: new Date(Date.now() + sasTtlSeconds * 1000),
      },
      credential,
    );
    return `${publicUrl(container.getBlockBlobClient(blobName).url)}?${sas.toString()}`;
  };
  return {
    uploadUrl: (blobName) => signedUrl(blobName, "cw"),
    downloadUrl: (blobName) => signedUrl(blobName, "r"),
    async size(blobName) {
      try {
        return (await container.getBlockBlobClient(blobName).getProperties()).contentLength ?? 0;
      } catch (error) {
        // Staged blocks that were never committed are not a blob either: 404 as well.
        if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}

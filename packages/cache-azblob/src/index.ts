export { azblobCacheExporter, cacheExporter, cacheExporters } from "./azblob-cache-exporter.js";
export { azblobCacheImporter, cacheImporter, cacheImporters } from "./azblob-cache-importer.js";
export { parseAzblobOptions, azblobKeys, type AzblobCacheOptions, type AzblobCredential } from "./options.js";
export { defaultTuning, type AzblobTuning } from "./azblob-client.js";
export { AzblobCacheError } from "./azblob-error.js";
export { blobName, manifestName, goJoin } from "./keys.js";
// The pieces @exp/cache-gha shares: GitHub's cache service v2 stores each entry in Azure Blob
// Storage behind a signed URL, uploaded and read the same way as this backend's blobs.
export { retried, signedBlobClient } from "./azblob-client.js";
export { uploadBlob, type UploadBlobOptions } from "./upload/upload-blob.js";
export { resumeRetry, type StreamRetry } from "./upload/retry.js";
export { azureErrorCode, isRestError, statusOf } from "./azblob-error.js";

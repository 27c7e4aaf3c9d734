export {
  readCacheDir,
  cacheFingerprint,
  cacheJson,
  blobPath,
  cacheEntry,
  cacheManifest,
  cacheLayers,
  cacheConfig,
  layoutSnapshot,
  type CacheArtifact,
  type CacheDescriptor,
  type CacheManifest,
} from "./cache-layout.js";

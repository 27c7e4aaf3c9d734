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
export { cacheWalkExport, requestsOverlap, writeCacheWalkContext, type CacheWalkDeps } from "./cache-walk-export.js";

export { BUILDKIT_CACHE_CONFIG as cacheConfigMediaType } from "@exp/oci-spec";

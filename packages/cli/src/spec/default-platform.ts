import { hostPlatform, normalizePlatform, type Platform } from "@exp/oci-spec";

/**
 * The platform `exp build` builds for without `--platform`: this machine's CPU, as buildx builds
 * for its BuildKit worker's platform (containerd's platforms.DefaultSpec, normalised: arm64's v8
 * variant dropped, 32-bit arm given v7 when Node does not say). The OS is always linux: the worker
 * of buildx on macOS or Windows (Docker Desktop) is a Linux VM on the same CPU, and exp builds
 * Linux images wherever it runs.
 */
export function defaultPlatform(host: Platform = hostPlatform()): Platform {
  return normalizePlatform({ os: "linux", architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}) });
}

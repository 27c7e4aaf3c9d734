import { platformKey, type Platform } from "@exp/oci-spec";

/**
 * The per-platform directory (or tar prefix) name, as BuildKit names it: the normalized platform
 * with "/" replaced by "_": linux_amd64, linux_arm_v7 (linux/arm64/v8 normalizes to linux_arm64).
 */
export function platformDirName(platform: Platform): string {
  return platformKey(platform).replaceAll("/", "_");
}

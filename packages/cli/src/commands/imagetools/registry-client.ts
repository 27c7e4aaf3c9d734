import { createRegistryClient, type HostLimiters, type RegistryClient } from "@exp/registry";
import type { CliIO } from "../../io.js";

/**
 * A registry client as `exp build` makes one: credentials from the same docker and podman config
 * files (read through the CLI's environment and HOME), plain HTTP for loopback registries and the
 * `--insecure-registry` hosts. No push locks: they live in a content store, which imagetools does
 * not open. `limiters`: connection slots of its own instead of the process-wide ones.
 */
export function imagetoolsRegistryClient(io: CliIO, insecureRegistry: readonly string[], limiters?: HostLimiters): RegistryClient {
  return createRegistryClient({
    ...(limiters ? { limiters } : {}),
    insecure: [...insecureRegistry],
    env: { ...io.env },
    ...(io.env.HOME ? { homeDir: io.env.HOME } : {}),
  });
}

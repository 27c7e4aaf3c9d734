import { expect } from "vitest";
import type { AttrCase, CacheArtifact } from "@exp/testing";

/**
 * registry.insecure on the "tls" variant: a registry serving HTTPS with a self-signed certificate.
 * BuildKit's registryConfig (cache/remotecache/registry/registry.go) marks the host insecure and
 * plain-HTTP, and httpFallback (util/resolver/resolver.go) then tries HTTPS without verifying the
 * certificate first: the push succeeds. Without it, the certificate is refused.
 */
export const insecureRow: AttrCase<CacheArtifact> = {
  key: "registry.insecure",
  base: { mode: "max" },
  with: { "registry.insecure": "true" },
  variant: "tls",
  expect: "the cache pushed to a registry whose certificate is not trusted, instead of the export failing",
  differs: (without, withIt) => {
    expect(without.error).toBeDefined();
    expect(without.files.size).toBe(0);
    expect(withIt.error).toBeUndefined();
    expect(withIt.files.has("index.json")).toBe(true);
  },
};

/**
 * Every first-party backend, by the output or cache type it serves: what `npm i @exp/all` brings.
 * The `exp` command loads each by its package name when a build asks for its type.
 */
export const bundledBackends = {
  outputs: {
    image: "@exp/exporter-image",
    registry: "@exp/exporter-image",
    oci: "@exp/exporter-oci",
    docker: "@exp/exporter-oci",
    local: "@exp/exporter-local",
    tar: "@exp/exporter-local",
  },
  caches: {
    registry: "@exp/cache-registry",
    local: "@exp/cache-local",
    s3: "@exp/cache-s3",
    inline: "@exp/cache-inline",
  },
} as const;

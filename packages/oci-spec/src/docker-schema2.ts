import { z } from "zod";
import { DescriptorSchema, PlatformDescriptorSchema } from "./descriptor.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from "./media-types.js";

// Docker image manifest v2, schema 2 (distribution/distribution docs/spec/manifest-v2-2.md).
// Unlike OCI, `mediaType` is required: it is the only thing telling the two formats apart.
// The config blob of a schema2 image has the same shape as an OCI config (ImageConfigSchema).

/** A single-platform Docker image manifest. Foreign layers carry `urls`. */
export const DockerManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(DOCKER_MANIFEST),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
});
export type DockerManifest = z.infer<typeof DockerManifestSchema>;

/** A Docker multi-platform "fat manifest"; each entry must say its platform. */
export const DockerManifestListSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(DOCKER_MANIFEST_LIST),
  manifests: z.array(PlatformDescriptorSchema),
});
export type DockerManifestList = z.infer<typeof DockerManifestListSchema>;

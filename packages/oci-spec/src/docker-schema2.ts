import * as v from "valibot";
import { DescriptorSchema, PlatformDescriptorSchema } from "./descriptor.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from "./media-types.js";
import { openObject } from "./object-schemas.js";

// Docker image manifest v2, schema 2 (distribution/distribution docs/spec/manifest-v2-2.md).
// Unlike OCI, `mediaType` is required: it is the only thing telling the two formats apart.
// The config blob of a schema2 image has the same shape as an OCI config (ImageConfigSchema).

/** A single-platform Docker image manifest. Foreign layers carry `urls`. */
export const DockerManifestSchema = openObject({
  schemaVersion: v.literal(2),
  mediaType: v.literal(DOCKER_MANIFEST),
  config: DescriptorSchema,
  layers: v.array(DescriptorSchema),
});
export type DockerManifest = v.InferOutput<typeof DockerManifestSchema>;

/** A Docker multi-platform "fat manifest"; each entry must say its platform. */
export const DockerManifestListSchema = openObject({
  schemaVersion: v.literal(2),
  mediaType: v.literal(DOCKER_MANIFEST_LIST),
  manifests: v.array(PlatformDescriptorSchema),
});
export type DockerManifestList = v.InferOutput<typeof DockerManifestListSchema>;

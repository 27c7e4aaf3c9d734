import { z } from "zod";
import { DigestSchema } from "./schema-primitives.js";

// OCI image configuration (image-spec `config.md`), which is also the Docker schema2 config
// (`application/vnd.docker.container.image.v1+json`) apart from Docker-only keys such as
// `container_config` and `docker_version`. Both are open objects: Docker adds keys and BuildKit
// stores its inline cache under a top-level `moby.buildkit.cache.v0`, and dropping either would
// change what a rewritten config means.

/** RFC 3339 with a zone, as Go's time.Time marshals it (nanoseconds allowed). */
const Timestamp = z.iso.datetime({ offset: true });

/** Go writes nil slices and maps as `null`; Docker-built configs are full of them. */
const nullableStrings = z.array(z.string()).nullable().optional();
const nullableSet = z.record(z.string(), z.looseObject({})).nullable().optional();

/** Docker's HEALTHCHECK, durations in nanoseconds. Not in the OCI spec, but in every Docker-built config. */
export const HealthcheckSchema = z.looseObject({
  Test: z.array(z.string()).nullable().optional(),
  Interval: z.int().optional(),
  Timeout: z.int().optional(),
  StartPeriod: z.int().optional(),
  StartInterval: z.int().optional(),
  Retries: z.int().optional(),
});
export type Healthcheck = z.infer<typeof HealthcheckSchema>;

/** The execution parameters under the config's `config` key. */
export const ContainerConfigSchema = z.looseObject({
  User: z.string().optional(),
  /** Keys are `port/proto`; values are always `{}` (a Go struct{} set). */
  ExposedPorts: nullableSet,
  Env: nullableStrings,
  Entrypoint: nullableStrings,
  Cmd: nullableStrings,
  Volumes: nullableSet,
  WorkingDir: z.string().optional(),
  Labels: z.record(z.string(), z.string()).nullable().optional(),
  StopSignal: z.string().optional(),
  /** Windows-only and deprecated, but BuildKit still writes it. */
  ArgsEscaped: z.boolean().optional(),
  Healthcheck: HealthcheckSchema.optional(),
  Shell: nullableStrings,
  OnBuild: nullableStrings,
});
export type ContainerConfig = z.infer<typeof ContainerConfigSchema>;

/** Uncompressed layer digests, in order; they are what ties a config to its layers. */
export const RootFSSchema = z.object({
  type: z.literal("layers"),
  diff_ids: z.array(DigestSchema),
});
export type RootFS = z.infer<typeof RootFSSchema>;

/** One build step. `empty_layer` steps (ENV, CMD...) have no entry in rootfs.diff_ids. */
export const HistorySchema = z.looseObject({
  created: Timestamp.optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});
export type History = z.infer<typeof HistorySchema>;

export const ImageConfigSchema = z.looseObject({
  created: Timestamp.optional(),
  author: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  "os.version": z.string().optional(),
  "os.features": z.array(z.string()).optional(),
  variant: z.string().optional(),
  config: ContainerConfigSchema.optional(),
  rootfs: RootFSSchema,
  history: z.array(HistorySchema).optional(),
});
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

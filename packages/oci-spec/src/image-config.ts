import * as v from "valibot";
import { closedObject, openObject, recordOf } from "./object-schemas.js";
import { DigestSchema, IntegerSchema } from "./schema-primitives.js";
import { show } from "./show-value.js";

// OCI image configuration (image-spec `config.md`), which is also the Docker schema2 config
// (`application/vnd.docker.container.image.v1+json`) apart from Docker-only keys such as
// `container_config` and `docker_version`. Both are open objects: Docker adds keys and BuildKit
// stores its inline cache under a top-level `moby.buildkit.cache.v0`, and dropping either would
// change what a rewritten config means.

// RFC 3339 with seconds and a zone, as Go's time.Time marshals it (any number of fractional
// digits), and with real calendar dates (no February 30th). The same expression zod's
// `iso.datetime({ offset: true })` used here before; valibot's isoTimestamp() is laxer (a space
// for the `T`, offsets without a colon).
const date =
  "(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))";
const rfc3339 = new RegExp(`^${date}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$`);
const Timestamp = v.pipe(
  v.string(),
  v.regex(rfc3339, (issue) => `expected an RFC 3339 date-time with a zone, got ${show(issue.input)}`),
);

/** Go writes nil slices and maps as `null`; Docker-built configs are full of them. */
const nullableStrings = v.optional(v.nullable(v.array(v.string())));
const nullableSet = v.optional(v.nullable(recordOf(openObject({}))));

/** Docker's HEALTHCHECK, durations in nanoseconds. Not in the OCI spec, but in every Docker-built config. */
export const HealthcheckSchema = openObject({
  Test: v.optional(v.nullable(v.array(v.string()))),
  Interval: v.optional(IntegerSchema),
  Timeout: v.optional(IntegerSchema),
  StartPeriod: v.optional(IntegerSchema),
  StartInterval: v.optional(IntegerSchema),
  Retries: v.optional(IntegerSchema),
});
export type Healthcheck = v.InferOutput<typeof HealthcheckSchema>;

/** The execution parameters under the config's `config` key. */
export const ContainerConfigSchema = openObject({
  User: v.optional(v.string()),
  /** Keys are `port/proto`; values are always `{}` (a Go struct{} set). */
  ExposedPorts: nullableSet,
  Env: nullableStrings,
  Entrypoint: nullableStrings,
  Cmd: nullableStrings,
  Volumes: nullableSet,
  WorkingDir: v.optional(v.string()),
  Labels: v.optional(v.nullable(recordOf(v.string()))),
  StopSignal: v.optional(v.string()),
  /** Windows-only and deprecated, but BuildKit still writes it. */
  ArgsEscaped: v.optional(v.boolean()),
  Healthcheck: v.optional(HealthcheckSchema),
  Shell: nullableStrings,
  OnBuild: nullableStrings,
});
export type ContainerConfig = v.InferOutput<typeof ContainerConfigSchema>;

/** Uncompressed layer digests, in order; they are what ties a config to its layers. */
export const RootFSSchema = closedObject({
  type: v.literal("layers"),
  diff_ids: v.array(DigestSchema),
});
export type RootFS = v.InferOutput<typeof RootFSSchema>;

/** One build step. `empty_layer` steps (ENV, CMD...) have no entry in rootfs.diff_ids. */
export const HistorySchema = openObject({
  created: v.optional(Timestamp),
  created_by: v.optional(v.string()),
  author: v.optional(v.string()),
  comment: v.optional(v.string()),
  empty_layer: v.optional(v.boolean()),
});
export type History = v.InferOutput<typeof HistorySchema>;

export const ImageConfigSchema = openObject({
  created: v.optional(Timestamp),
  author: v.optional(v.string()),
  architecture: v.string(),
  os: v.string(),
  "os.version": v.optional(v.string()),
  "os.features": v.optional(v.array(v.string())),
  variant: v.optional(v.string()),
  config: v.optional(ContainerConfigSchema),
  rootfs: RootFSSchema,
  history: v.optional(v.array(HistorySchema)),
});
export type ImageConfig = v.InferOutput<typeof ImageConfigSchema>;

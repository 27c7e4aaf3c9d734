import { ExpError } from "@exp/errors";
import { UsageError } from "../../errors.js";

const sourceForms = "a digest (sha256:…), a reference (repo:tag, repo@sha256:…; an index brings its manifests) or a JSON OCI descriptor";

/** `imagetools create` given nothing to merge. */
export class NoSourcesError extends UsageError {
  constructor() {
    super(`no sources specified; give ${sourceForms}, as arguments or with -f <file>`, "ERR_IMAGETOOLS_NO_SOURCES");
  }
}

/** `imagetools create` that would push nowhere. */
export class NoTagError extends UsageError {
  constructor() {
    super("can't push with no tags specified, please set --tag or --dry-run", "ERR_IMAGETOOLS_NO_TAG");
  }
}

/** A source that is none of the forms buildx accepts. */
export class InvalidSourceError extends UsageError {
  readonly value: string;
  constructor(value: string, problem: string, options: { cause?: unknown } = {}) {
    super(`failed to parse source ${JSON.stringify(value)}: ${problem}; valid sources are ${sourceForms}`, "ERR_IMAGETOOLS_INVALID_SOURCE", options);
    this.value = value;
  }
}

/** A `-t` that is not an image name, or names a digest (the new index's digest is not known in advance). */
export class InvalidTagError extends UsageError {
  readonly value: string;
  constructor(value: string, problem: string, options: { cause?: unknown } = {}) {
    super(`-t ${JSON.stringify(value)}: ${problem}; expected a name with an optional tag, e.g. registry.example/app:1.0`, "ERR_IMAGETOOLS_INVALID_TAG", options);
    this.value = value;
  }
}

/** An `--annotation` that is malformed, or of a type `imagetools create` refuses (as buildx does). */
export class ImagetoolsAnnotationError extends UsageError {
  readonly value: string;
  constructor(value: string, problem: string, options: { cause?: unknown } = {}) {
    super(
      `--annotation ${JSON.stringify(value)}: ${problem}; imagetools create takes index:key=value and manifest-descriptor[<platform>]:key=value (e.g. manifest-descriptor[linux/amd64]:org.opencontainers.image.title=app)`,
      "ERR_IMAGETOOLS_INVALID_ANNOTATION",
      options,
    );
    this.value = value;
  }
}

/** A `--platform` filter that is not a platform. */
export class ImagetoolsPlatformError extends UsageError {
  constructor(value: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`--platform ${JSON.stringify(value)}: invalid platform${detail}`, "ERR_IMAGETOOLS_INVALID_PLATFORM", options);
  }
}

/** A bare digest or descriptor whose repository cannot be told from the other names. */
export class AmbiguousRepositoryError extends UsageError {
  constructor(source: string, repositories: readonly string[]) {
    super(
      `multiple repositories specified (${repositories.join(", ")}), cannot infer repository for ${JSON.stringify(source)}; write it as <repository>@<digest>`,
      "ERR_IMAGETOOLS_AMBIGUOUS_REPOSITORY",
    );
  }
}

/** Only bare digests and descriptors, and no -t: no repository to read them from. */
export class NoRepositoryError extends UsageError {
  constructor() {
    super("no repositories specified, please set a reference in tag or source (e.g. registry.example/app@sha256:…)", "ERR_IMAGETOOLS_NO_REPOSITORY");
  }
}

/** `inspect --format` with `--raw`, as buildx refuses. */
export class FormatWithRawError extends UsageError {
  constructor() {
    super("format and raw cannot be used together", "ERR_IMAGETOOLS_FORMAT_AND_RAW");
  }
}

/** A source that is not something an index can list (schema 1, a blob, an unknown document). */
export class UnsupportedSourceError extends ExpError {
  constructor(source: string, mediaType: string) {
    const reason = mediaType === "application/vnd.docker.distribution.manifest.v1+json" || mediaType.includes("manifest.v1+prettyjws") ? "schema1 manifests are not allowed in manifest lists" : `its media type ${JSON.stringify(mediaType)} is neither an image manifest nor an index`;
    super("ERR_IMAGETOOLS_UNSUPPORTED_SOURCE", `source ${source}: ${reason}`);
  }
}

/** A descriptor source whose size disagrees with what the registry holds under its digest. */
export class DescriptorSizeMismatchError extends ExpError {
  constructor(digest: string, given: number, actual: number) {
    super("ERR_IMAGETOOLS_SIZE_MISMATCH", `invalid size mismatch for ${digest}, ${given} != ${actual} (the descriptor says ${given} bytes, the registry holds ${actual})`);
  }
}

/** `--platform` filters that leave nothing, or a single manifest whose platform is not among them. */
export class NoMatchingPlatformError extends ExpError {
  constructor(message: string) {
    super("ERR_IMAGETOOLS_NO_MATCHING_PLATFORM", message);
  }
}

import type { Descriptor, Platform } from "@exp/oci-spec";

/**
 * Everything a provenance predicate is made from, for one platform's result: what exp's Dockerfile
 * front end and solver know about a build. It is BuildKit's provenance capture (solver/llbsolver/
 * provenance: Capture and its Sources, the frontend request, the job's id and times) in exp's
 * terms. Nothing in it is a secret: there is no field for a secret's value, a registry credential
 * or an environment variable, and the values that can carry a credential by accident (URLs, build
 * args named like tokens) are redacted when the predicate is written (see redact.ts).
 *
 * A multi-platform build makes one input per platform, sharing `invocationId` (BuildKit's job id
 * is one per request) and listing only that platform's base images.
 */
export interface ProvenanceInput {
  /**
   * The SLSA builder id, `builder-id` of `--attest type=provenance`. BuildKit writes "" when none is
   * given (SLSA wants a URI here); `githubActionsBuilderId` gives the run URL that
   * docker/build-push-action passes in GitHub Actions.
   */
  readonly builderId?: string;
  /** BuildKit's job id (`buildInvocationID` / `invocationId`): one per build request, opaque. */
  readonly invocationId: string;
  /** When the build started and finished: a Date, or an RFC 3339 UTC string (`Z`) to keep nanoseconds. */
  readonly startedOn: Date | string;
  readonly finishedOn: Date | string;
  /** `reproducible=true` of `--attest type=provenance`: a claim the caller makes, not one exp checks. Default false. */
  readonly reproducible?: boolean;
  /** The frontend BuildKit would name: `dockerfile.v0` (the default) for a Dockerfile build. */
  readonly frontend?: string;
  /**
   * The Dockerfile frontend's version (BuildKit writes its built-in frontend's, e.g. "1.26", as
   * `dockerfileVersion`). Absent: not written; exp is not BuildKit's frontend and claims none.
   */
  readonly dockerfileVersion?: string;
  /** The machine that ran the build (not the target platform). Default: this host. */
  readonly builderPlatform?: Platform;
  /** The frontend options of the request, as buildx would send them to BuildKit. */
  readonly request?: FrontendRequest;
  /** The Dockerfile the build read. */
  readonly dockerfile?: DockerfileSource;
  /**
   * Names of the local directories the build read (BuildKit's `locals`): `context` and `dockerfile`
   * for a build of a directory, plus one per `--build-context name=<dir>`. Default both.
   */
  readonly localSources?: readonly string[];
  /** What the build fetched, pinned by digest: the provenance's materials (v0.2) / resolvedDependencies (v1). */
  readonly materials?: ResolvedMaterials;
  /** The secrets the build mounted, by id. Only ids: values and sources never reach provenance. */
  readonly secrets?: readonly MountUse[];
  /** The SSH agents the build forwarded, by id (`default` when none was named). */
  readonly ssh?: readonly MountUse[];
  /**
   * True when a build step ran with network access. BuildKit sets it for `RUN` without
   * `--network=none` only: `ADD <url>` is a download it records as a material with its digest, not
   * network access. exp has no RUN, so its builds leave this false; a local context already makes
   * the build non-hermetic (its files are not pinned).
   */
  readonly networkAccess?: boolean;
  /** The build's steps, for `mode=max` (see BuildStepsInput). Ignored in `mode=min`. */
  readonly steps?: BuildStepsInput;
}

/**
 * The frontend options of the request, under the names BuildKit's Dockerfile frontend receives
 * them (`build-arg:NAME`, `label:NAME`, `target`, ...). These become `args` in the predicate, after
 * BuildKit's filtering: `platform` and host-specific options are dropped, `filename` and `context`
 * move to `configSource`, `vcs:*` moves to the metadata, and `mode=min` drops build args and labels.
 */
export interface FrontendRequest {
  /** `--build-arg`: written as `build-arg:NAME` (mode=max only); a value whose name looks secret is masked. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** `--label`: written as `label:NAME` (mode=max only). */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--target`. */
  readonly target?: string;
  /** `--platform`, sent as `platform` (BuildKit drops it from provenance: it is host-specific). */
  readonly platforms?: readonly string[];
  /**
   * A remote build context (a Git or HTTP URL), BuildKit's `context` option: it becomes
   * `configSource.uri`, with the digest of the matching material. Absent for a local directory.
   */
  readonly context?: string;
  /** `--build-context name=value`, sent as `context:NAME` (`docker-image://…`, `local:NAME`, a URL). */
  readonly namedContexts?: Readonly<Record<string, string>>;
  /** `--no-cache` (true) or `--no-cache-filter` (stage names), sent as `no-cache`. */
  readonly noCache?: boolean | readonly string[];
  /**
   * Version control hints the client sends as `vcs:KEY` (buildx: `source`, `revision`,
   * `localdir:context`, `localdir:dockerfile`). BuildKit moves them to the metadata's `vcs`; they
   * are not verified.
   */
  readonly vcs?: Readonly<Record<string, string>>;
  /** Any other frontend option, verbatim (`add-hosts`, `shm-size`, `multi-platform`, ...). */
  readonly attrs?: Readonly<Record<string, string>>;
}

/** The Dockerfile: its name (BuildKit's `filename` option) and, for `mode=max`, its content. */
export interface DockerfileSource {
  /** As buildx sends it: the file's name relative to the `dockerfile` local, e.g. `Dockerfile`. */
  readonly filename: string;
  /** The bytes read (UTF-8 text or raw). mode=max embeds them in the source map, as BuildKit does. */
  readonly content?: string | Uint8Array;
  /**
   * `sha256:<hex>` of the content, when the front end has it: checked against `content` if both
   * are given. BuildKit writes no digest for a Dockerfile read from a local directory, and neither
   * does exp (configSource.digest is for a remote context's material).
   */
  readonly digest?: string;
}

/** The sources a build resolved to immutable content (BuildKit's provenance Sources). */
export interface ResolvedMaterials {
  /** Every base image (FROM, COPY --from=<image>, a docker-image:// named context). */
  readonly images?: readonly ImageMaterial[];
  /** Every `ADD <http(s) url>`, with the digest of what was downloaded. */
  readonly http?: readonly HttpMaterial[];
  /** Every Git source (a Git context, `ADD <git url>`): the commit it resolved to. */
  readonly git?: readonly GitMaterial[];
}

export interface ImageMaterial {
  /** The reference as resolved, e.g. `alpine:3.20` or `docker.io/library/alpine@sha256:…`. */
  readonly ref: string;
  /**
   * The digest the reference resolved to (for a multi-platform image, the index's: what a
   * `FROM name@digest` pin would name). Absent: the material has no digest (BuildKit omits it too).
   */
  readonly digest?: string;
  /** The platform the image was resolved for; written as the purl's `platform` qualifier. */
  readonly platform?: Platform;
  /** True for an image from an OCI layout (`oci-layout://`): a `pkg:oci/…` purl instead of `pkg:docker/…`. */
  readonly local?: boolean;
}

export interface HttpMaterial {
  /** The URL as the Dockerfile names it. Userinfo and secret-looking query values are redacted. */
  readonly url: string;
  /** The digest of the downloaded bytes, `sha256:<hex>`. */
  readonly digest: string;
}

export interface GitMaterial {
  /** The repository URL (a `#ref` fragment is kept, credentials are redacted). */
  readonly url: string;
  /** The commit: 40 hex digits (sha1) or 64 (sha256 object format). */
  readonly commit: string;
}

/** A secret or SSH mount, by id only. */
export interface MountUse {
  readonly id: string;
  readonly optional?: boolean;
}

/**
 * The build's steps, exp's equivalent of the LLB definition BuildKit records in mode=max. exp has
 * no LLB: each step is a node of exp's build graph (a base image, the context, a download, a COPY,
 * a WORKDIR), named as progress names it, identified by its cache key, with the steps it reads as
 * inputs. See README ("buildConfig") for what this becomes.
 */
export interface BuildStepsInput {
  /** The id of the step whose output is the result (the last COPY of the target stage, say). */
  readonly result: string;
  /** Every step, in any order; only those the result depends on are written. */
  readonly steps: readonly BuildStepInput[];
}

export type BuildStepKind = "scratch" | "image" | "local" | "http" | "git" | "copy" | "mkdir";

export interface BuildStepInput {
  /** Unique within the build; only used to link steps (the written ids are `step0`, `step1`, …). */
  readonly id: string;
  readonly kind: BuildStepKind;
  /** The progress name, e.g. `[build 2/4] COPY src/ /app/src`. */
  readonly name: string;
  /** The step's cache key (`sha256:…`): identifies its content, as an LLB op's digest does. */
  readonly cacheKey?: string;
  /** The ids of the steps whose output this one reads, in order (base first, then the copy source). */
  readonly inputs?: readonly string[];
  /** Where in the Dockerfile the step comes from: its source map (needs `dockerfile.content`). */
  readonly locations?: readonly SourceRange[];
  /** The layer chain of the step's output, base layers first: BuildKit's `layers` for `stepN:0`. */
  readonly layers?: readonly Descriptor[];
}

/** A range of the Dockerfile: 1-based lines, 0-based characters (0 meaning the whole line, as BuildKit writes it). */
export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

export interface SourcePosition {
  readonly line: number;
  readonly character?: number;
}

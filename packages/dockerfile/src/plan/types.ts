import type { Healthcheck, ParserDirectives } from "../ast.js";
import type { SourceLocation } from "../source-location.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/**
 * The parts of a base image's config that change how the Dockerfile is planned, in Docker's own
 * field names so `config.config` of a pulled image can be passed as is.
 */
export interface BaseImageConfig {
  /** Visible to variable expansion in the stage, as in Docker (`ENV PATH=/app/bin:$PATH`). */
  Env?: string[] | null;
  /** Relative WORKDIR and COPY destinations resolve against it. */
  WorkingDir?: string;
  /** Shell-form CMD/ENTRYPOINT run through it. */
  Shell?: string[] | null;
  /** Triggers that run first in a stage built FROM this image. */
  OnBuild?: string[] | null;
}

export interface PlanOptions {
  /** Stage to build, by name (case-insensitive); default the last stage. */
  target?: string;
  /** `--build-arg` values: override ARG defaults, global ones included. */
  buildArgs?: Record<string, string>;
  /** The platform the image is for (TARGET* args, default shell); default linux/amd64. */
  platform?: Platform;
  /** The platform doing the build (BUILD* args); default the target platform. */
  buildPlatform?: Platform;
  /**
   * Configs of the base images, keyed by the image reference as it appears after expansion in
   * FROM (`node:20`). Without one, a stage FROM that image starts with an empty environment
   * (plus Docker's default PATH) and WORKDIR `/`, and the plan warns where that matters.
   */
  imageConfigs?: Record<string, BaseImageConfig>;
  /** Values deciding the SBOM's extra scans over the Dockerfile's BUILDKIT_SBOM_SCAN_* ARGs (see planSbomScan). */
  sbomScan?: SbomScanOverride;
}

/** `--attest type=sbom`'s `scan-stage` and `scan-context`, in the BUILDKIT_SBOM_SCAN_* args' syntax: true, false or stage names. */
export interface SbomScanOverride {
  stage?: string;
  context?: string;
}

/** What an SBOM request scans besides the target's filesystem (BuildKit's SBOMTargets.Extras). */
export interface SbomScanPlan {
  /** Stages the target needs whose filesystem is scanned too, each as `sbom-<name>.spdx.json`. */
  stages: Array<{ index: number; name: string }>;
  /** Whether the build context is scanned too, as `sbom-context.spdx.json`. */
  context: boolean;
}

export type StageBase = { kind: "scratch" } | { kind: "stage"; index: number } | { kind: "image"; ref: string };

/**
 * Where COPY takes files from: the build context, an earlier stage's result, an image, or (ADD
 * of an http(s) URL) the downloaded file, whose name is the step's one source.
 */
export type CopySource =
  | { kind: "context" }
  | { kind: "stage"; index: number }
  | { kind: "image"; ref: string }
  | {
      kind: "url";
      url: string;
      /** The downloaded file's name (see urlFileName); the step's one source matches exactly it. */
      filename: string;
      /** `--checksum`, `sha256:<hex>`: the download must match it. */
      checksum?: string;
    };

interface StepBase {
  /** The instruction this step comes from (for ONBUILD triggers, the FROM that ran them). */
  location: SourceLocation;
  /** `created_by` of the history entry BuildKit writes for this instruction. */
  createdBy: string;
  /** The history entry's `empty_layer`: true unless the step changes the filesystem. */
  emptyLayer: boolean;
  /** Set when the step comes from an ONBUILD trigger of the base stage or image. */
  onbuildTrigger?: true;
}

export interface CopyHeredoc {
  /** File name of the document (the delimiter): `COPY <<app.conf /etc/` writes /etc/app.conf. */
  name: string;
  /** Body with variables already expanded unless the delimiter was quoted. */
  content: string;
  chmod?: string;
}

export interface CopyStep extends StepBase {
  kind: "copy";
  /** Source paths or globs, expanded, relative to `from` (for a URL, the downloaded file's name). */
  sources: string[];
  /**
   * Absolute destination, resolved against the WORKDIR; ends with "/" when Docker treats it as a
   * directory (written with a trailing slash, or `.`).
   */
  dest: string;
  from: CopySource;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
  heredocs: CopyHeredoc[];
  /** ADD: like COPY, but Docker extracts local tar archives (exp does not yet); a URL is downloaded, never extracted. */
  add: boolean;
}

export interface KeyValuePair {
  key: string;
  value: string;
}

export interface EnvStep extends StepBase {
  kind: "env";
  pairs: KeyValuePair[];
}

export interface LabelStep extends StepBase {
  kind: "label";
  pairs: KeyValuePair[];
}

export interface WorkdirStep extends StepBase {
  kind: "workdir";
  /** Absolute and clean; BuildKit also creates the directory (a layer) unless it is `/`. */
  path: string;
}

export interface UserStep extends StepBase {
  kind: "user";
  user: string;
}

export interface ExposeStep extends StepBase {
  kind: "expose";
  /** Normalized `port/proto`, ranges expanded: `80/tcp`, `53/udp`. */
  ports: string[];
}

export interface CmdStep extends StepBase {
  kind: "cmd";
  /** Exec form; a shell-form CMD becomes `[...shell, command]`. */
  args: string[];
}

export interface EntrypointStep extends StepBase {
  kind: "entrypoint";
  args: string[];
  /** True when no CMD came before it in this stage: Docker then clears the inherited CMD. */
  resetsCmd: boolean;
}

export interface ShellStep extends StepBase {
  kind: "shell";
  shell: string[];
}

export interface StopsignalStep extends StepBase {
  kind: "stopsignal";
  signal: string;
}

export interface VolumeStep extends StepBase {
  kind: "volume";
  paths: string[];
}

export interface HealthcheckStep extends StepBase {
  kind: "healthcheck";
  healthcheck: Healthcheck;
}

/** Appends to the config's OnBuild. BuildKit writes no history entry for ONBUILD. */
export interface OnbuildStep extends Omit<StepBase, "createdBy" | "emptyLayer"> {
  kind: "onbuild";
  trigger: string;
  createdBy?: undefined;
  emptyLayer?: undefined;
}

export interface MaintainerStep extends StepBase {
  kind: "maintainer";
  /** Becomes the image config's `author`. */
  maintainer: string;
}

export interface ArgStep extends StepBase {
  kind: "arg";
  /** Each declared name with the value it got (build-arg, global ARG or default); unset ones have none. */
  args: Array<{ name: string; value?: string }>;
}

export type PlanStep =
  | CopyStep
  | EnvStep
  | LabelStep
  | WorkdirStep
  | UserStep
  | ExposeStep
  | CmdStep
  | EntrypointStep
  | ShellStep
  | StopsignalStep
  | VolumeStep
  | HealthcheckStep
  | OnbuildStep
  | MaintainerStep
  | ArgStep;

export interface PlannedStage {
  /** The stage's index in the Dockerfile (what `COPY --from=<index>` counts), not in `plan.stages`. */
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  base: StageBase;
  /** `--platform` after expansion, when given. */
  platform?: string;
  /** The FROM instruction. */
  location: SourceLocation;
  steps: PlanStep[];
}

export interface BuildPlan {
  /** Only the stages the target needs, each after the stages it uses; the target is last. */
  stages: PlannedStage[];
  /** Dockerfile index of the target stage (`stages[stages.length - 1].index`). */
  target: number;
  /** `file:line:column: ...` notes: unused build args, legacy forms, deprecated MAINTAINER, guesses. */
  warnings: string[];
  directives: ParserDirectives;
  /** `os/arch[/variant]` of the target and build platforms, as TARGETPLATFORM/BUILDPLATFORM. */
  targetPlatform: string;
  buildPlatform: string;
  /** The extra filesystems an SBOM of this build covers (BUILDKIT_SBOM_SCAN_STAGE / _CONTEXT). */
  sbomScan: SbomScanPlan;
}

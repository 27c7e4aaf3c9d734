import type { ImageConfigJSON } from "@exp/solver";
import { DEFAULT_PATH_ENV } from "../plan/platform.js";
import type { Platform, PlanStep } from "../plan/types.js";

/** The runtime part of an image config (`config` in the OCI image config), in Docker's field names. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: object;
  Shell?: string[];
  OnBuild?: string[] | null;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
  author?: string;
}

/** What a stage carries besides its filesystem: the config and history it is building up. */
export interface StageConfig {
  config: ImageConfigJSON & { config: ContainerConfig; history: HistoryEntry[]; author?: string };
}

/** `FROM scratch`: no env but Docker's default PATH, as BuildKit sets it. */
export function scratchConfig(platform: Platform): StageConfig["config"] {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    // BuildKit's emptyImage (dockerfile2llb/image.go) sets WorkingDir "/" as well as PATH.
    config: { Env: [`PATH=${DEFAULT_PATH_ENV}`], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [] },
    history: [],
  };
}

/** A base image's config, copied so the stage can change it; PATH added when the base has none. */
export function baseConfig(config: ImageConfigJSON): StageConfig["config"] {
  const copy = structuredClone(config) as StageConfig["config"];
  copy.config ??= {};
  copy.history ??= [];
  const env = copy.config.Env ?? [];
  if (!env.some((e) => e.startsWith("PATH="))) copy.config.Env = [...env, `PATH=${DEFAULT_PATH_ENV}`];
  return copy;
}

/** Replaces a variable where it is, or appends it (BuildKit's addEnv in convert.go). */
function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const next = [...(env ?? [])];
  const at = next.findIndex((e) => e.split("=", 1)[0] === key);
  if (at < 0) next.push(`${key}=${value}`);
  else next[at] = `${key}=${value}`;
  return next;
}

/**
 * Applies one config step (everything but COPY) to a stage's config, as BuildKit's Dockerfile
 * front end does, and appends its history entry. `created` is the build's time (or
 * SOURCE_DATE_EPOCH), the comment marks entries made by a Dockerfile.
 */
export function applyConfigStep(state: StageConfig["config"], step: Exclude<PlanStep, { kind: "copy" }>, created: string): void {
  const c = state.config;
  switch (step.kind) {
    case "env":
      for (const { key, value } of step.pairs) c.Env = setEnv(c.Env, key, value);
      break;
    case "label":
      c.Labels = { ...c.Labels, ...Object.fromEntries(step.pairs.map((p) => [p.key, p.value])) };
      break;
    case "workdir":
      c.WorkingDir = step.path;
      break;
    case "user":
      c.User = step.user;
      break;
    case "expose":
      c.ExposedPorts = { ...c.ExposedPorts, ...Object.fromEntries(step.ports.map((p) => [p, {}])) };
      break;
    case "cmd":
      c.Cmd = step.args;
      c.ArgsEscaped = true;
      break;
    case "entrypoint":
      c.Entrypoint = step.args;
      if (step.resetsCmd) c.Cmd = null;
      break;
    case "shell":
      c.Shell = step.shell;
      break;
    case "stopsignal":
      c.StopSignal = step.signal;
      break;
    case "volume":
      c.Volumes = { ...c.Volumes, ...Object.fromEntries(step.paths.map((p) => [p, {}])) };
      break;
    case "healthcheck":
      c.Healthcheck = step.healthcheck;
      break;
    case "onbuild":
      c.OnBuild = [...(c.OnBuild ?? []), step.trigger];
      return; // BuildKit writes no history entry for ONBUILD
    case "maintainer":
      state.author = step.maintainer;
      break;
    case "arg":
      break;
  }
  // Config steps write no layer, but WORKDIR (other than /), whose mkdir is a layer as in BuildKit.
  state.history.push({ created, created_by: step.createdBy, comment: "buildkit.dockerfile.v0", ...(step.emptyLayer ? { empty_layer: true } : {}) });
}

/**
 * The build's own labels (`--label`, BuildKit's `label:` frontend options) written over the target
 * stage's, after every instruction ran: BuildKit copies them into the result image's config last
 * (dockerfile2llb/convert.go finalizeResultImage), so a flag beats a LABEL of the same key.
 */
export function applyBuildLabels(state: StageConfig["config"], labels: Readonly<Record<string, string>> | undefined): void {
  if (!labels || Object.keys(labels).length === 0) return;
  state.config.Labels = { ...state.config.Labels, ...labels };
}

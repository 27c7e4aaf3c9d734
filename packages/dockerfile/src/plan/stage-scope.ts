import { DEFAULT_PATH_ENV } from "./platform.js";
import type { BaseImageConfig } from "./types.js";
import { cleanAbsolute } from "./paths.js";

/**
 * What a stage's instructions see while they are planned: the variables for expansion (the base
 * image's ENV, then ARG and ENV values in order, the last one winning, as in BuildKit), the
 * working directory, the SHELL, and whether a CMD was set in this stage.
 */
export class StageScope {
  readonly vars = new Map<string, string>();
  workdir = "/";
  shell: string[] | undefined;
  cmdSet = false;
  /** Set when the base image's config is unknown: its ENV and WORKDIR are guessed. */
  unknownBase: string | undefined;
  /** Variables whose value is only a guess because the base config is unknown (PATH). */
  readonly guessed = new Set<string>();
  /** False while relative paths resolve against a WORKDIR the unknown base image may have set. */
  workdirKnown = true;
  /** Variables already warned about in this stage. */
  readonly warned = new Set<string>();

  readonly lookup = (name: string): string | undefined => this.vars.get(name);

  set(name: string, value: string): void {
    this.vars.set(name, value);
    this.guessed.delete(name);
  }

  static scratch(os: string): StageScope {
    const scope = new StageScope();
    if (os !== "windows") scope.vars.set("PATH", DEFAULT_PATH_ENV);
    return scope;
  }

  /** A stage FROM an image: its config when known, else Docker's defaults, marked as guesses. */
  static fromImage(ref: string, config: BaseImageConfig | undefined, os: string): StageScope {
    const scope = StageScope.scratch(os);
    if (!config) {
      scope.unknownBase = ref;
      scope.workdirKnown = false;
      for (const name of scope.vars.keys()) scope.guessed.add(name);
      return scope;
    }
    scope.vars.clear();
    for (const entry of config.Env ?? []) {
      const eq = entry.indexOf("=");
      scope.vars.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? "" : entry.slice(eq + 1));
    }
    if (!scope.vars.has("PATH") && os !== "windows") scope.vars.set("PATH", DEFAULT_PATH_ENV);
    if (config.WorkingDir) scope.workdir = cleanAbsolute(config.WorkingDir);
    if (config.Shell && config.Shell.length > 0) scope.shell = [...config.Shell];
    return scope;
  }

  /** A stage FROM an earlier stage continues from where that one ended (its ARGs included, as in BuildKit). */
  child(): StageScope {
    const scope = new StageScope();
    for (const [k, v] of this.vars) scope.vars.set(k, v);
    scope.workdir = this.workdir;
    if (this.shell) scope.shell = [...this.shell];
    if (this.unknownBase !== undefined) scope.unknownBase = this.unknownBase;
    for (const name of this.guessed) scope.guessed.add(name);
    scope.workdirKnown = this.workdirKnown;
    return scope;
  }
}

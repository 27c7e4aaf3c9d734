import { InvalidOptionError } from "@exp/errors";
import type { DockerfileAST } from "../ast.js";
import { reportFindings, resolveChecks } from "./checks.js";
import { dispatchStage } from "./dispatch-stage.js";
import { checkFrontend } from "./frontend.js";
import { resolveGlobalArgs } from "./global-args.js";
import { PlanContext } from "./plan-context.js";
import { checkPlatformOption, defaultPlatform, formatPlatform, platformArgs } from "./platform.js";
import { resolveStages } from "./resolve-stages.js";
import { checkSbomScanOverride, planSbomScan } from "./sbom-scan.js";
import { StageIndex } from "./stage-index.js";
import { StageScope } from "./stage-scope.js";
import { requiredStages, selectTarget } from "./target.js";
import type { BuildPlan, PlanOptions, PlannedStage } from "./types.js";

// Build args Docker defines without an ARG; passing them never earns an "unused" warning.
const predefinedArgs = new Set(["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY", "SOURCE_DATE_EPOCH"]);

/**
 * Turns a parsed Dockerfile into what to build: the stages the target needs, in dependency order,
 * each as typed steps with every variable expanded in its scope, and the `created_by` BuildKit
 * would record. Throws DockerfileError for what cannot be built (RUN, ADD of a URL, bad
 * references between stages, an unknown target), for another frontend's `# syntax=`, a bad
 * `# check=`, and lint findings under `# check=error=true`.
 */
export function planBuild(ast: DockerfileAST, options: PlanOptions = {}): BuildPlan {
  checkOptions(options);
  const target = options.platform ?? defaultPlatform;
  const build = options.buildPlatform ?? target;
  const ctx = new PlanContext(ast, options.buildArgs ?? {});
  // What BuildKit settles before it parses: the frontend (builder/build.go), then the linter.
  checkFrontend(ctx);
  const checks = resolveChecks(ctx);
  const index = new StageIndex(ast);
  checkSbomScanOverride(ctx, index, options.sbomScan);
  const imageConfigs = options.imageConfigs ?? {};

  const globals = resolveGlobalArgs(ctx, platformArgs(target, build));
  const stages = resolveStages(ctx, index, globals, target.os, imageConfigs);
  const targetIndex = selectTarget(ctx, index, options.target);

  const scopes = new Map<number, StageScope>();
  const planned: PlannedStage[] = [];
  for (const i of requiredStages(stages, targetIndex)) {
    const stage = stages[i]!;
    const base = stage.base;
    const scope =
      base.kind === "stage"
        ? scopes.get(base.index)!.child()
        : base.kind === "image"
          ? StageScope.fromImage(base.ref, Object.hasOwn(imageConfigs, base.ref) ? imageConfigs[base.ref] : undefined, stage.os)
          : StageScope.scratch(stage.os);
    planned.push(dispatchStage({ ctx, index, stage, scope, globals }));
    scopes.set(i, scope);
  }

  for (const name of Object.keys(ctx.buildArgs)) {
    if (ctx.consumedArgs.has(name) || predefinedArgs.has(name.toUpperCase()) || name.startsWith("BUILDKIT_")) continue;
    const forTarget = options.target === undefined ? "" : ` for target "${options.target}"`;
    ctx.warn(undefined, `build arg "${name}" was not consumed: no ARG ${name} in the global scope or in the stages built${forTarget}`);
  }

  return {
    stages: planned,
    target: targetIndex,
    warnings: reportFindings(ctx, checks),
    directives: { ...ast.directives },
    targetPlatform: formatPlatform(target),
    buildPlatform: formatPlatform(build),
    sbomScan: planSbomScan(planned, targetIndex, index.count, globals, options.sbomScan),
  };
}

function checkOptions(options: PlanOptions): void {
  checkPlatformOption("platform", options.platform);
  checkPlatformOption("buildPlatform", options.buildPlatform);
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) {
    if (typeof value !== "string") throw new InvalidOptionError("planBuild", `buildArgs.${name}`, String(value), "a string");
  }
  if (options.target !== undefined && (typeof options.target !== "string" || options.target === "")) {
    throw new InvalidOptionError("planBuild", "target", String(options.target), "a stage name");
  }
}

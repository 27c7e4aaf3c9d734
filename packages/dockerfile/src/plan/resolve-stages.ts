import type { Instruction, StageNode, Word } from "../ast.js";
import { DockerfileError } from "../errors.js";
import { parseInstructions } from "../parse/parse-instructions.js";
import type { SourceLocation } from "../source-location.js";
import type { PlanContext } from "./plan-context.js";
import { platformOs } from "./platform.js";
import type { StageIndex } from "./stage-index.js";
import type { BaseImageConfig, StageBase } from "./types.js";

/** A stage with its FROM resolved and the stages it depends on. */
export interface ResolvedStage {
  index: number;
  node: StageNode;
  name?: string;
  base: StageBase;
  /** `--platform` after expansion. */
  platform?: string;
  /** The OS the stage builds for: picks the default shell. */
  os: string;
  /** ONBUILD triggers of the base stage or image, parsed; they run before the stage's own instructions. */
  triggers: Instruction[];
  /** Stages this one needs: its base, COPY --from sources (its own and its triggers'). */
  deps: Set<number>;
}

/**
 * Expands every FROM with the global ARGs and decides what it builds on: `scratch`, an earlier
 * stage (by name, case-insensitive), or an image. A FROM naming the stage itself or a later one
 * is an error, not an image pull that would fail or, worse, find something.
 */
export function resolveStages(
  ctx: PlanContext,
  index: StageIndex,
  globals: Map<string, string>,
  targetOs: string,
  imageConfigs: Readonly<Record<string, BaseImageConfig>>,
): ResolvedStage[] {
  const lookup = (name: string): string | undefined => globals.get(name);
  const stages = ctx.ast.stages.map((node, i): ResolvedStage => {
    const from = node.from;
    const expanded = ctx.expand(from.image, lookup);
    const image = expanded.result;
    for (const name of expanded.unmatched) {
      if (image !== "") ctx.warn(from.image.location, `FROM uses $${name}, which no global ARG declares, so it expands to ""; declare ARG ${name} before the first FROM`, "UndefinedArgInFrom");
    }
    if (image === "") {
      const unset = [...expanded.unmatched];
      ctx.fail(
        from.image.location,
        `FROM ${from.image.value} expands to an empty image name` +
          (unset.length > 0 ? `: ${unset.join(", ")} is not set (declare it with ARG before the first FROM, or pass it in buildArgs)` : ""),
      );
    }
    const stage: ResolvedStage = { index: i, node, base: baseOf(ctx, index, i, image, from.image), os: targetOs, triggers: [], deps: new Set() };
    if (from.stageName) stage.name = from.stageName.value;
    if (from.platform) {
      const platform = ctx.expand(from.platform, lookup).result;
      const os = platformOs(platform, targetOs);
      if (platform === "" || os === undefined) {
        ctx.fail(from.platform.location, `FROM --platform=${from.platform.value} gives ${JSON.stringify(platform)}, which is not a platform; use os/arch[/variant], e.g. linux/arm64`);
      }
      stage.platform = platform;
      stage.os = os;
    }
    return stage;
  });
  for (const stage of stages) {
    stage.triggers = triggersOf(ctx, stages, stage, imageConfigs);
    if (stage.base.kind === "stage") stage.deps.add(stage.base.index);
    for (const instruction of [...stage.triggers, ...stage.node.instructions]) {
      if (instruction.kind === "copy" && instruction.flags.from) {
        const source = index.resolveCopyFrom(ctx, stage.index, instruction.flags.from);
        if (source.kind === "stage") stage.deps.add(source.index);
      }
    }
  }
  return stages;
}

function baseOf(ctx: PlanContext, index: StageIndex, current: number, image: string, word: Word): StageBase {
  if (image === "scratch") return { kind: "scratch" };
  const named = index.find(image);
  // `FROM node AS node` builds on the image: a stage cannot build on itself (Docker reads it the same way).
  if (named === undefined || named === current) return { kind: "image", ref: image };
  if (named > current) {
    ctx.fail(
      word.location,
      `FROM ${image} refers to ${index.describe(named)}, which comes after ${index.describe(current)}; a stage can only build on stages defined before it ` +
        `(if you meant the image, write its full name, e.g. docker.io/library/${image})`,
    );
  }
  return { kind: "stage", index: named };
}

/**
 * ONBUILD triggers run at the start of a stage built on the stage (or image) that declared them,
 * as BuildKit does; they are parsed here because a COPY --from in one adds a dependency.
 */
function triggersOf(ctx: PlanContext, stages: ResolvedStage[], stage: ResolvedStage, imageConfigs: Readonly<Record<string, BaseImageConfig>>): Instruction[] {
  const base = stage.base;
  let texts: string[] = [];
  let owner = "";
  if (base.kind === "stage") {
    const parent = stages[base.index]!;
    texts = parent.node.instructions.flatMap((i) => (i.kind === "onbuild" ? [i.trigger] : []));
    owner = `stage ${parent.name ? `"${parent.name}"` : base.index}`;
  } else if (base.kind === "image" && Object.hasOwn(imageConfigs, base.ref)) {
    texts = imageConfigs[base.ref]?.OnBuild ?? [];
    owner = `base image "${base.ref}"`;
  }
  const location = stage.node.from.location;
  return texts.map((text) => {
    let parsed: Instruction[];
    try {
      parsed = parseInstructions(text, ctx.file);
    } catch (error) {
      if (!(error instanceof DockerfileError)) throw error;
      return ctx.fail(location, `ONBUILD trigger ${JSON.stringify(text)} of ${owner}: ${error.detail}`, error.code);
    }
    const trigger = parsed[0];
    if (parsed.length !== 1 || !trigger) ctx.fail(location, `ONBUILD trigger ${JSON.stringify(text)} of ${owner} must be exactly one instruction`);
    if (trigger.kind === "onbuild" || trigger.kind === "from" || trigger.kind === "maintainer") {
      ctx.fail(location, `ONBUILD trigger ${JSON.stringify(text)} of ${owner}: ${trigger.keyword.toUpperCase()} is not allowed as an ONBUILD trigger`);
    }
    // Positions inside the trigger text mean nothing in this file: point everything at the FROM.
    return relocate(trigger, location);
  });
}

function relocate<T>(value: T, location: SourceLocation): T {
  if (Array.isArray(value)) return value.map((item: unknown) => relocate(item, location)) as T;
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = key === "location" ? { ...location } : relocate(item, location);
  return copy as T;
}

import { platformKey, type Platform } from "@exp/oci-spec";
import type { FsNode, ImageConfigJSON } from "@exp/solver";
import type { BuildPlan, PlannedStage } from "../plan/types.js";
import { baseConfig, scratchConfig, type StageConfig } from "./image-config.js";
import type { NamedContexts } from "./named-contexts.js";

/** A stage root a named context gives: its filesystem and config. */
export interface ContextRoot {
  node: FsNode;
  config: StageConfig["config"];
  /** The stage's name is the context's: its own instructions do not run (the context is the stage). */
  replacesStage: boolean;
}

export interface PlatformContexts {
  /** By stage index: the stages a context replaces, or whose FROM image it replaces. */
  roots: Map<number, ContextRoot>;
  /** `COPY --from=<image>` sources a context replaces, by copySourceKey (the reference as written, and the platform). */
  copySources: Map<string, FsNode>;
}

/**
 * Where the named contexts enter one platform's plan, as BuildKit's Dockerfile front end puts
 * them (dockerfile2llb/convert.go): a stage named like a context is that context, instructions
 * and all; a FROM or COPY --from image named like one is that context instead of the image. An
 * image context gives its config (ENV, WORKDIR, …) as the image would; a directory or scratch the
 * empty image's (BuildKit's emptyImage). `solve` resolves an image node (the caller's solver).
 */
export async function platformContexts(
  plan: BuildPlan,
  named: NamedContexts,
  options: { stagePlatform: (stage: PlannedStage) => Platform; solve: (node: FsNode, stage: PlannedStage) => Promise<ImageConfigJSON | undefined>; signal?: AbortSignal },
): Promise<PlatformContexts> {
  const result: PlatformContexts = { roots: new Map(), copySources: new Map() };
  if (named.size === 0) return result;
  const nodeOptions = (asRoot: boolean) => ({ asRoot, ...(options.signal ? { signal: options.signal } : {}) });
  for (const stage of plan.stages) {
    const platform = options.stagePlatform(stage);
    const byName = stage.name === undefined ? undefined : named.find(stage.name);
    const found = byName ?? (stage.base.kind === "image" ? named.find(stage.base.ref) : undefined);
    if (found) {
      const node = await named.node(found, platform, nodeOptions(true));
      const config = found.context.kind === "image" ? await options.solve(node, stage) : undefined;
      result.roots.set(stage.index, { node, config: config ? baseConfig(config) : scratchConfig(platform), replacesStage: byName !== undefined });
    }
    for (const step of stage.steps) {
      if (step.kind !== "copy" || step.from.kind !== "image") continue;
      const source = named.find(step.from.ref);
      if (source) result.copySources.set(copySourceKey(step.from.ref, platform), await named.node(source, platform, nodeOptions(false)));
    }
  }
  return result;
}

export function copySourceKey(ref: string, platform: Platform): string {
  return `${ref}|${platformKey(platform)}`;
}

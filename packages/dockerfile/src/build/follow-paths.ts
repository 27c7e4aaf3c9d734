import { createIgnoreMatcher, type FsSource } from "@exp/solver";
import type { BuildPlan } from "../plan/types.js";

/**
 * The context as BuildKit sends it for a build (its FollowPaths): only what the COPY and ADD
 * instructions of the stages built read from it, each source with what lies below it; the whole
 * context when one of them is its root, or when none reads it. dockerfile2llb collects them as `ctxPaths` while it
 * dispatches (convert.go dispatchCopy, then filterPaths), and its SBOM of the context
 * (BUILDKIT_SBOM_SCAN_CONTEXT) scans that, not the directory: a file no instruction reads is not in it.
 */
export function contextAsSent(fs: FsSource, plan: BuildPlan): FsSource {
  const sources = plan.stages.flatMap((stage) => stage.steps.flatMap((step) => (step.kind === "copy" && step.from.kind === "context" ? step.sources : [])));
  const cleaned = sources.map((source) => source.replace(/^(\.?\/)+/, "").replace(/\/+$/, ""));
  // No source, or one at the root: BuildKit sets no FollowPaths (normalizeContextPaths), so the whole context.
  if (cleaned.length === 0 || cleaned.some((source) => source === "" || source === ".")) return fs;
  // A source matches itself and everything below it, wildcards included: .dockerignore's rules.
  const matcher = createIgnoreMatcher(cleaned);
  return {
    list: async (options) => (await fs.list(options)).filter((entry) => matcher.ignores(entry.path, entry.type === "dir")),
    open: (path, options) => fs.open(path, options),
    ...(fs.readFile ? { readFile: fs.readFile.bind(fs) } : {}),
    ...(fs.contentDigest ? { contentDigest: fs.contentDigest.bind(fs) } : {}),
  };
}

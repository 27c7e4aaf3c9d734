import { readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { ContentStore } from "@exp/content";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { parsePlatform, platformKey, type Platform, type RegistryApi } from "@exp/oci-spec";
import {
  progressBytes,
  ProgressReporter,
  Solver,
  copy,
  image,
  loadHashCache,
  local,
  mkdir,
  readDockerignoreFile,
  saveHashCache,
  scratch,
  type BuildMaterials,
  type BuildStep,
  type ExportSource,
  type FsNode,
  type FsSource,
  type Ref,
  type ImageConfigJSON,
  type ImportedCache,
  type PlatformResult,
  type ProgressListener,
  type UrlFetcher,
  type CompressionRequest,
} from "@exp/solver";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import type { DockerfileAST } from "../ast.js";
import { planBuild } from "../plan/plan-build.js";
import { DockerfileError } from "../errors.js";
import type { BaseImageConfig, BuildPlan, CopySource, CopyStep, PlannedStage, SbomScanOverride } from "../plan/types.js";
import { parseChmod, parseChown, parseUserSpec } from "./chown.js";
import { locateStepError, type StepOrigins } from "./step-errors.js";
import { StepNames } from "./step-names.js";
import { urlSourceNode } from "./url-source.js";
import type { SourceLocation } from "../source-location.js";
import { targetBaseDiffIDs } from "./base-diff-ids.js";
import { applyBuildLabels, applyConfigStep, baseConfig, scratchConfig, type StageConfig } from "./image-config.js";
import { copySourceKey, platformContexts, type PlatformContexts } from "./context-roots.js";
import { NamedContexts, type NamedContext } from "./named-contexts.js";
import { contextAsSent } from "./follow-paths.js";

export interface BuildImageOptions {
  /** The build context directory. */
  context: string;
  /** Path of the Dockerfile; default `<context>/Dockerfile`. */
  dockerfile?: string;
  /** One result per platform; default linux/amd64. */
  platforms?: readonly Platform[];
  target?: string;
  buildArgs?: Record<string, string>;
  /**
   * Named build contexts (`--build-context name=…`): a stage, FROM image or COPY --from image of
   * that name is the context instead (NamedContexts says how names match).
   */
  namedContexts?: Readonly<Record<string, NamedContext>>;
  /** Labels written over the target stage's LABELs (`--label`, BuildKit's `label:<key>` options). */
  labels?: Readonly<Record<string, string>>;
  store: ContentStore;
  /** Needed when a stage is FROM a registry image. */
  registry?: RegistryApi;
  /**
   * Downloads `ADD <http(s) url>` (@exp/registry's createUrlFetcher is one). Without it such an
   * ADD fails with ERR_URL_FETCHER_REQUIRED.
   */
  http?: UrlFetcher;
  /**
   * SOURCE_DATE_EPOCH in seconds; default the SOURCE_DATE_EPOCH build arg, if any. As in BuildKit
   * it sets the image's `created` and clamps its history times (and an exporter's
   * `rewrite-timestamp=true` clamps the layers' file times to it); the layers the build writes
   * keep their files' times unless `rewriteTimestamp` is set.
   */
  sourceDateEpoch?: number;
  /**
   * Clamp the file times in every layer the build writes to the epoch as it writes them: the
   * layers `rewrite-timestamp=true` would make at export, made once (exp's own option, for
   * library callers that want reproducible layers in the cache too). Needs an epoch.
   */
  rewriteTimestamp?: boolean;
  /**
   * The compressions the exporters will ask for (each ExporterInstance's layerCompression): every
   * layer the build writes is compressed that way while it is written (see SolverOptions).
   */
  layerCompressions?: readonly CompressionRequest[];
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Caches loaded from `--cache-from`: a step missing from the local cache is looked up in them. */
  cacheFrom?: readonly ImportedCache[];
  /** BuildKit's `no-cache` (`--no-cache`): every step is written again; what it writes is still cached. */
  noCache?: boolean;
  /**
   * `--no-cache-filter`: only the steps of these stages (names, case-insensitive) are written
   * again, as BuildKit's `no-cache=<stages>` (dockerui/config.go IsNoCache). A name that is no
   * stage is an error.
   */
  noCacheFilter?: readonly string[];
  /**
   * Set when the results get an SBOM: the build then also gives the other filesystems the
   * Dockerfile's BUILDKIT_SBOM_SCAN_STAGE / BUILDKIT_SBOM_SCAN_CONTEXT ask to scan (`facts.sbomExtras`),
   * with these values, when given, deciding over those ARGs.
   */
  sbom?: SbomScanOverride;
}

export interface BuildImageResult {
  source: ExportSource;
  /**
   * The build's lease: it holds every layer the build wrote or fetched. Release it once the
   * exporters are done with `source` (their own leases keep what they export).
   */
  lease: string;
  warnings: string[];
  /** True when every step of every platform was a cache hit. */
  cached: boolean;
  /** What the build read and fetched, for its provenance. */
  facts: BuildFacts;
}

/** The inputs of a build as provenance records them (BuildKit's provenance capture). */
export interface BuildFacts {
  /** The Dockerfile: its name as buildx sends it (`filename`) and the bytes read. */
  dockerfile: { filename: string; content: string };
  /** Per result, in `source.results` order: the base images and downloads it was made from, pinned by digest. */
  materials: BuildMaterials[];
  /** Per result, in `source.results` order: its build steps (provenance's mode=max). */
  steps: FactSteps[];
  /** Per result, when `sbom` was asked for: the stages and context its SBOM covers besides its own filesystem. */
  sbomExtras?: SbomExtra[][];
}

/**
 * A filesystem an SBOM scans besides the result's own (BuildKit's SBOMTargets.Extras): a stage
 * the target needs, by its layers, or the build context (named "context"), as the build read it.
 */
export type SbomExtra = { kind: "stage"; name: string; ref: Ref } | { kind: "context"; name: "context"; fs: FsSource };

/** A result's steps, each with the Dockerfile line of the instruction it comes from, when it has one. */
export interface FactSteps {
  result: string;
  steps: Array<Omit<BuildStep, "node"> & { line?: number }>;
}

const defaultPlatform: Platform = { os: "linux", architecture: "amd64" };

/**
 * Builds a Dockerfile without running anything: plans it per platform, resolves base images,
 * solves the COPY graph (cached by content), and applies the config instructions. The result is
 * what the exporters export.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const signal = options.signal;
  throwIfAborted(signal, "build");
  const dockerfilePath = resolve(options.dockerfile ?? join(options.context, "Dockerfile"));
  const fileName = options.dockerfile ? dockerfilePath : "Dockerfile";
  const progress = ProgressReporter.root(options.onProgress);
  // buildx's first two steps, named as BuildKit's Dockerfile front end names them.
  let dockerfileText = "";
  const ast = await loadStep(progress, "definition", `[internal] load build definition from ${basename(dockerfilePath)}`, "transferring dockerfile", async () => {
    const text = await readFile(dockerfilePath, "utf8");
    dockerfileText = text;
    return { value: parseDockerfile(text, { fileName }), bytes: Buffer.byteLength(text) };
  }, signal);
  const noCacheStages = noCacheStagesOf(ast, options.noCacheFilter, fileName);
  const named = new NamedContexts(options.namedContexts);
  // The steps of those stages, filled in as each platform's plan is lowered (the solver reads it then).
  const noCacheNodes = new Set<FsNode>();
  const epoch = options.sourceDateEpoch ?? epochFromArgs(options.buildArgs);
  const created = new Date(epoch === undefined ? Date.now() : epoch * 1000).toISOString();
  const lease = await options.store.leases.create({ labels: { "exp.io/purpose": "build" } });
  try {
    const hashCache = await loadHashCache(options.store, signal ? { signal } : {});
    const solver = new Solver({
      store: options.store,
      lease: lease.id,
      progress,
      hashCache,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.http ? { http: options.http } : {}),
      ...(options.cacheFrom ? { imported: options.cacheFrom } : {}),
      ...(options.noCache ? { noCache: true } : noCacheStages.size > 0 ? { noCache: noCacheNodes } : {}),
      ...(epoch === undefined ? {} : { sourceDateEpoch: epoch, ...(options.rewriteTimestamp ? { rewriteTimestamp: true } : {}) }),
      ...(options.layerCompressions && options.layerCompressions.length > 0 ? { layerCompressions: options.layerCompressions } : {}),
      ...(signal ? { signal } : {}),
    });
    const ignoreFile = await loadStep(progress, "dockerignore", "[internal] load .dockerignore", "transferring context", async () => {
      const file = await readDockerignoreFile(options.context, { dockerfile: dockerfilePath, ...(signal ? { signal } : {}) });
      return { value: file, bytes: file ? (await stat(file.path)).size : 0 };
    }, signal);
    const context = local(resolve(options.context), ignoreFile?.patterns.map((p) => p.pattern) ?? []);
    const origins: StepOrigins = { file: fileName, locations: new Map(), fromContext: new Set(), context: resolve(options.context), ...(ignoreFile ? { ignoreFile } : {}) };
    const warnings: string[] = [];
    const results: PlatformResult[] = [];
    const materials: BuildMaterials[] = [];
    const steps: FactSteps[] = [];
    const sbomExtras: SbomExtra[][] = [];
    let cached = true;
    for (const platform of options.platforms ?? [defaultPlatform]) {
      const planOptions = {
        ...(options.target ? { target: options.target } : {}),
        ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
        ...(options.sbom ? { sbomScan: options.sbom } : {}),
        platform,
      };
      // Plan once to learn the base images, resolve them, then plan with their configs (ENV, WORKDIR, ONBUILD matter to the plan).
      const draft = planBuild(ast, planOptions);
      const imageConfigs: Record<string, BaseImageConfig> = {};
      const baseConfigs = new Map<string, ImageConfigJSON>();
      const contexts = await platformContexts(draft, named, {
        stagePlatform: (stage) => stagePlatform(stage, platform, fileName),
        solve: async (node, stage) => {
          origins.locations.set(node, stage.location);
          const solved = await solver.solve(node).catch(async (error: unknown) => Promise.reject(await locateStepError(error, origins)));
          return solved.base?.config;
        },
        ...(signal ? { signal } : {}),
      });
      for (const stage of draft.stages) {
        const root = contexts.roots.get(stage.index);
        // The planner reads a FROM image's ENV, WORKDIR and ONBUILD: the context's stand in for it.
        if (root && !root.replacesStage && stage.base.kind === "image") imageConfigs[stage.base.ref] = root.config.config as BaseImageConfig;
        if (root || stage.base.kind !== "image") continue;
        const baseNode = image(stage.base.ref, stagePlatform(stage, platform, fileName), new StepNames(stage).next(`FROM ${stage.base.ref}`));
        origins.locations.set(baseNode, stage.location);
        const solved = await solver.solve(baseNode).catch(async (error: unknown) => Promise.reject(await locateStepError(error, origins)));
        baseConfigs.set(stage.base.ref, solved.base!.config);
        imageConfigs[stage.base.ref] = (solved.base!.config.config ?? {}) as BaseImageConfig;
      }
      const plan = planBuild(ast, { ...planOptions, imageConfigs });
      warnings.push(...plan.warnings);
      const { target, states } = lower(plan, { platform, context, fileName, created, baseConfigs, origins, contexts, noCache: { stages: noCacheStages, nodes: noCacheNodes } });
      const solved = await solver.solve(target.node).catch(async (error: unknown) => Promise.reject(await locateStepError(error, origins)));
      cached &&= solved.cached;
      const config = target.config;
      applyBuildLabels(config, options.labels);
      config.rootfs = { type: "layers", diff_ids: solved.ref.layers.map((l) => l.diffID) };
      config.created = created;
      const baseDiffIDs = targetBaseDiffIDs(plan, baseConfigs);
      results.push({ platform, ref: solved.ref, config: config as ImageConfigJSON, cacheKey: solved.cacheKey, ...(baseDiffIDs ? { baseDiffIDs } : {}) });
      materials.push(await solver.materialsOf(target.node));
      const graph = await solver.stepsOf(target.node);
      steps.push({
        result: graph.result,
        steps: graph.steps.map(({ node, ...step }) => {
          const line = origins.locations.get(node)?.line;
          return line === undefined ? step : { ...step, line };
        }),
      });
      if (options.sbom) sbomExtras.push(await extrasOf(plan, states, context, solver));
    }
    await saveHashCache(options.store, hashCache, { lease: lease.id, ...(signal ? { signal } : {}) });
    const source: ExportSource = {
      results,
      multiPlatform: (options.platforms?.length ?? 1) > 1,
      metadata: { ...(epoch === undefined ? {} : { sourceDateEpoch: epoch }) },
      knownLayer: (diffID) => solver.layerFor(diffID),
    };
    // buildx sends the Dockerfile's name relative to its directory (the `dockerfile` local).
    const facts: BuildFacts = { dockerfile: { filename: basename(dockerfilePath), content: dockerfileText }, materials, steps, ...(options.sbom ? { sbomExtras } : {}) };
    return { source, lease: lease.id, warnings, cached, facts };
  } catch (error) {
    await options.store.leases.release(lease.id);
    // Whatever stage noticed the abort (a stream, a timer), the caller gets one error type.
    if (signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError("build", signal.reason);
    throw error;
  }
}

interface StageState extends StageConfig {
  node: FsNode;
}

/**
 * The filesystems BUILDKIT_SBOM_SCAN_* select: each stage's result (solved already, as the target
 * needs it), then the context as BuildKit sends it: its .dockerignore applied, and only the paths
 * the COPY and ADD instructions read (contextAsSent).
 */
async function extrasOf(plan: BuildPlan, states: ReadonlyMap<number, StageState>, context: FsNode, solver: Solver): Promise<SbomExtra[]> {
  const extras: SbomExtra[] = [];
  for (const stage of plan.sbomScan.stages) extras.push({ kind: "stage", name: stage.name, ref: (await solver.solve(states.get(stage.index)!.node)).ref });
  // A stage named "context" takes the context's place, as in BuildKit's Extras map (Dockerfile2LLB).
  if (plan.sbomScan.context && !plan.sbomScan.stages.some((stage) => stage.name === "context")) extras.push({ kind: "context", name: "context", fs: contextAsSent(await solver.fsOf(context), plan) });
  return extras;
}

/** Turns a plan into the COPY graph of its target stage and that stage's config, with every stage's state by its index. */
function lower(
  plan: BuildPlan,
  env: {
    platform: Platform;
    context: FsNode;
    fileName: string;
    created: string;
    baseConfigs: ReadonlyMap<string, ImageConfigJSON>;
    origins: StepOrigins;
    /** What the named contexts replace in this platform's plan. */
    contexts: PlatformContexts;
    /** The stages whose steps ignore the cache, and where their nodes are collected. */
    noCache: { stages: ReadonlySet<string>; nodes: Set<FsNode> };
  },
): { target: StageState; states: ReadonlyMap<number, StageState> } {
  const located = <T extends FsNode>(node: T, location: SourceLocation): T => {
    if (!env.origins.locations.has(node)) env.origins.locations.set(node, location);
    return node;
  };
  const states = new Map<number, StageState>();
  const imageNodes = new Map<string, FsNode>();
  const imageNode = (ref: string, platform: Platform) => {
    const key = `${ref}|${platformKey(platform)}`;
    let node = imageNodes.get(key);
    if (!node) imageNodes.set(key, (node = image(ref, platform)));
    return node;
  };
  const sourceNode = (from: CopySource, platform: Platform, step: CopyStep): FsNode =>
    from.kind === "url"
      ? urlSourceNode(from, step)
      : from.kind === "context"
      ? env.context
      : from.kind === "stage"
        ? states.get(from.index)!.node
        : (env.contexts.copySources.get(copySourceKey(from.ref, platform)) ?? imageNode(from.ref, platform));

  for (const stage of plan.stages) {
    const platform = stagePlatform(stage, env.platform, env.fileName);
    const names = new StepNames(stage);
    const ignoreCache = stage.name !== undefined && env.noCache.stages.has(stage.name);
    const ownStep = <T extends FsNode>(node: T): T => {
      if (ignoreCache) env.noCache.nodes.add(node);
      return node;
    };
    if (stage.base.kind === "image") names.next("FROM");
    let state: StageState;
    const root = env.contexts.roots.get(stage.index);
    if (root) {
      state = { node: located(root.node, stage.location), config: structuredClone(root.config) };
      // A stage named like a context is the context: none of its own instructions run.
      if (root.replacesStage) {
        states.set(stage.index, state);
        continue;
      }
    } else if (stage.base.kind === "scratch") state = { node: scratch(), config: scratchConfig(platform) };
    else if (stage.base.kind === "stage") {
      const parent = states.get(stage.base.index)!;
      state = { node: parent.node, config: structuredClone(parent.config) };
    } else state = { node: located(imageNode(stage.base.ref, platform), stage.location), config: baseConfig(env.baseConfigs.get(stage.base.ref)!) };
    // The base's ONBUILD triggers ran at the start of this stage (its plan put them first), so they
    // do not carry over: BuildKit clears them (convert.go, after initOnBuildTriggers and in init()).
    delete state.config.config.OnBuild;
    for (const step of stage.steps) {
      if (step.kind === "workdir" && !step.emptyLayer) {
        // BuildKit creates the directory as its own step, owned by the stage's USER (convert.go dispatchWorkdir).
        const user = state.config.config.User;
        const description = names.next(StepNames.instructionText(step), step.onbuildTrigger);
        state.node = located(ownStep(mkdir(state.node, { path: step.path, ...(user ? { user: parseUserSpec(user) } : {}), description })), step.location);
      }
      if (step.kind !== "copy") {
        applyConfigStep(state.config, step, env.created);
        continue;
      }
      const chown = parseChown(step);
      const chmod = parseChmod(step, env.fileName);
      state.node = ownStep(copy(state.node, {
        ...(step.sources.length > 0 ? { from: sourceNode(step.from, platform, step) } : {}),
        sources: step.sources,
        dest: step.dest,
        workdir: state.config.config.WorkingDir || "/",
        ...(chown ? { chown } : {}),
        ...(chmod === undefined ? {} : { chmod }),
        // BuildKit makes a --link layer (a merge onto scratch) only without --chmod; with it, the
        // COPY is a plain one onto the base (dockerfile2llb/convert_copy.go dispatchCopy).
        link: step.link && chmod === undefined,
        parents: step.parents,
        exclude: step.exclude,
        // ADD extracts a local archive (BuildKit's AttemptUnpack); a downloaded file never.
        ...(step.add && step.from.kind !== "url" ? { unpack: true } : {}),
        inline: step.heredocs.map((h) => ({ name: h.name, content: h.content, ...(h.chmod && /^[0-7]+$/.test(h.chmod) ? { mode: Number.parseInt(h.chmod, 8) } : {}) })),
        description: names.next(StepNames.instructionText(step), step.onbuildTrigger),
      }));
      located(state.node, step.location);
      if (step.from.kind === "context" && step.sources.length > 0) env.origins.fromContext.add(state.node);
      state.config.history.push({ created: env.created, created_by: step.createdBy, comment: "buildkit.dockerfile.v0" });
    }
    states.set(stage.index, state);
  }
  return { target: states.get(plan.target)!, states };
}

/** `noCacheFilter`'s stage names, lower-cased; one that names no stage fails the build, listing the stages there are. */
function noCacheStagesOf(ast: DockerfileAST, filter: readonly string[] | undefined, file: string): ReadonlySet<string> {
  const stages = ast.stages.flatMap((s) => (s.from.stageName ? [s.from.stageName.value.toLowerCase()] : []));
  const wanted = new Set((filter ?? []).map((name) => name.toLowerCase()));
  for (const name of wanted) {
    if (stages.includes(name)) continue;
    const there = stages.length > 0 ? `the stages are: ${stages.join(", ")}` : "this Dockerfile has no named stages (name one with FROM <image> AS <name>)";
    throw new DockerfileError({ code: "ERR_UNKNOWN_STAGE", file, detail: `no-cache-filter: stage ${JSON.stringify(name)} not found; ${there}` });
  }
  return wanted;
}

/** A stage's `FROM --platform`, parsed as containerd does; a bad one is an error at that FROM. */
function stagePlatform(stage: PlannedStage, fallback: Platform, file: string): Platform {
  if (!stage.platform) return fallback;
  try {
    return parsePlatform(stage.platform);
  } catch (error) {
    throw new DockerfileError({ code: "ERR_DOCKERFILE_SYNTAX", file, location: stage.location, detail: `FROM --platform: ${(error as Error).message}`, cause: error });
  }
}

function epochFromArgs(args: Record<string, string> | undefined): number | undefined {
  const value = args?.SOURCE_DATE_EPOCH;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A front-end step with one `transferring …: <size>` line, as BuildKit shows a file read from the client. */
async function loadStep<T>(root: ProgressReporter, id: string, name: string, transfer: string, load: () => Promise<{ value: T; bytes: number }>, signal: AbortSignal | undefined): Promise<T> {
  const vertex = root.child(`load-${id}`, name);
  return vertex.run(async () => {
    const { value, bytes } = await load();
    vertex.oneOff("transfer", `${transfer}: ${progressBytes(bytes)}`)();
    return value;
  }, signal);
}

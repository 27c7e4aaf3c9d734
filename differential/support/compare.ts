import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildahBuild,
  diffTrees,
  snapshotTree,
  umociUnpackOnBase,
  type TreeDifference,
  type TreeEntry,
  type TreeSnapshot,
} from "@exp/testing";
import { writeContext, type ContextFiles } from "./context.js";
import { differentialEnv } from "./env.js";
import { ExpBuildFailedError, StaleDeviationError } from "./errors.js";
import { runExp } from "./exp-build.js";
import { containerConfig, diffConfigs, readLayoutConfig, readRegistryConfig, type ConfigDifference, type ContainerConfig, type ContainerField } from "./image-config.js";
import { readSnapshot } from "./snapshot-json.js";

/**
 * buildah 1.28 and BuildKit disagree here: BuildKit's value (null: BuildKit has no such path) is
 * patched onto buildah's tree before the comparison. `because` cites BuildKit's rule (file).
 */
export interface TreeDeviation {
  path: string;
  buildkit: Partial<TreeEntry> | null;
  because: string;
}

export interface ConfigDeviation {
  field: ContainerField;
  /** undefined: BuildKit leaves the field unset. */
  buildkit: unknown;
  because: string;
}

export interface DifferentialCase {
  /** Unique in the run: names the case's directory and tags. */
  name: string;
  files: ContextFiles;
  dockerfile: string;
  /** Where the Dockerfile goes, relative to the context (`-f`). Default "Dockerfile". */
  dockerfilePath?: string;
  /** BASE (the served Debian base) is always passed. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Per-builder build args on top of buildArgs (e.g. each builder's own parent image). */
  expBuildArgs?: Readonly<Record<string, string>>;
  buildahBuildArgs?: Readonly<Record<string, string>>;
  target?: string;
  /**
   * When buildah 1.28 cannot build `dockerfile` (a feature it lacks), it builds this instead; the
   * case's comment must say why this is what BuildKit makes of `dockerfile`.
   */
  buildahDockerfile?: string;
  /** Files added to buildah's context only (what a heredoc would have made, say). */
  buildahFiles?: ContextFiles;
  buildahDeviations?: readonly TreeDeviation[];
  buildahConfigDeviations?: readonly ConfigDeviation[];
  /** Also push exp's image here (`type=image,push=true`). */
  expPush?: string;
  /** Also push buildah's image here; buildah then builds in Docker format (keeps ONBUILD). */
  buildahPush?: string;
}

export interface BuiltImage {
  layoutRef: string;
  rootfs: string;
  tree: TreeSnapshot;
  config: Record<string, unknown>;
  container: ContainerConfig;
}

export interface Comparison {
  /** Undefined when exp's build failed (expFailure says how). */
  exp?: BuiltImage;
  expFailure?: string;
  /** buildah's image with the case's declared deviations patched in: what BuildKit would make. */
  buildah: BuiltImage;
  /** Path by path, a = buildah (BuildKit's rule), b = exp. Empty when exp failed. */
  treeDifferences: TreeDifference[];
  configDifferences: ConfigDifference[];
  timings: Record<string, number>;
}

let baseline: Promise<TreeSnapshot> | undefined;

/** The test-context hooks buildBoth needs (concurrent tests must use their own context's). */
export interface CaseContext {
  onTestFinished(fn: () => unknown): void;
  signal?: AbortSignal;
}

/**
 * Builds the case with exp (in-process CLI, fresh store, OCI layout output) and with buildah (the
 * run's shared storage) at the same time, unpacks both with umoci, snapshots both against the
 * base's baseline, and compares trees and container configs. The case's directory is removed when
 * the test finishes, unless EXP_DIFF_KEEP=1 (then it and the run's directory stay, overlays mounted).
 */
export async function buildBoth(c: DifferentialCase, ctx: CaseContext): Promise<Comparison> {
  const env = differentialEnv();
  baseline ??= readSnapshot(env.baselinePath);
  const dir = join(env.runDir, "cases", c.name);
  await rm(dir, { recursive: true, force: true });
  const releases: Array<() => Promise<void>> = [];
  ctx.onTestFinished(async () => {
    if (process.env.EXP_DIFF_KEEP === "1") {
      process.stderr.write(`differential ${c.name}: kept ${dir} (rootfs overlays still mounted)\n`);
      return;
    }
    for (const release of releases) await release();
    await rm(dir, { recursive: true, force: true });
  });
  const context = join(dir, "context");
  const dockerfilePath = c.dockerfilePath ?? "Dockerfile";
  await writeContext(context, { ...c.files, [dockerfilePath]: c.dockerfile });
  let buildahContext = context;
  if (c.buildahDockerfile !== undefined || c.buildahFiles !== undefined) {
    buildahContext = join(dir, "buildah-context");
    await writeContext(buildahContext, { ...c.files, ...c.buildahFiles, [dockerfilePath]: c.buildahDockerfile ?? c.dockerfile });
  }
  const timings: Record<string, number> = {};
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[what] = Date.now() - started;
    }
  };
  const signal = ctx.signal;
  const tag = "t";

  const expLayout = join(dir, "exp-layout");
  const expArgv = ["build", context, "-f", join(context, dockerfilePath), "--platform", "linux/amd64", "--root", join(dir, "exp-store"), "--progress", "plain"];
  for (const [k, v] of Object.entries({ BASE: env.baseRef, ...c.buildArgs, ...c.expBuildArgs })) expArgv.push("--build-arg", `${k}=${v}`);
  if (c.target) expArgv.push("--target", c.target);
  expArgv.push("-o", `type=oci,dest=${expLayout},tar=false,name=exp-differential:${tag}`);
  if (c.expPush) expArgv.push("-o", `type=image,name=${c.expPush},push=true`);

  const buildahLayout = join(dir, "buildah-layout");
  // Both at once; an exp failure still lets the case check buildah's side (the harness).
  const [expBuild, buildahBuilt] = await Promise.allSettled([
    timed("exp build", async () => {
      const run = await runExp(expArgv, { cwd: dir, ...(signal ? { signal } : {}) });
      if (run.code !== 0) throw new ExpBuildFailedError(expArgv, run.code, run.stderr);
    }),
    timed("buildah build", () =>
      buildahBuild({
        storage: env.storage,
        context: buildahContext,
        dockerfile: join(buildahContext, dockerfilePath),
        buildArgs: { BASE: env.baseRef, ...c.buildArgs, ...c.buildahBuildArgs },
        ...(c.target ? { target: c.target } : {}),
        layout: buildahLayout,
        tag,
        ...(c.buildahPush ? { push: [c.buildahPush], format: "docker" as const } : {}),
        ...(signal ? { signal } : {}),
      }),
    ),
  ]);
  if (buildahBuilt.status === "rejected") throw buildahBuilt.reason;

  const base = await baseline;
  const inspect = async (builder: "exp" | "buildah", layout: string, layoutRef: string): Promise<BuiltImage> => {
    // The base's layer is not unpacked again: an overlay over the base unpacked once in global
    // setup, and umoci applies the image's own layers onto it (a full unpack when the image does
    // not start with the base's layer).
    const unpacked = await timed(`${builder} unpack`, () =>
      umociUnpackOnBase(layoutRef, join(dir, `${builder}-bundle`), { ociRef: env.baseOciRef, rootfs: env.baseRootfs }, signal ? { signal } : {}),
    );
    releases.push(unpacked.release);
    const rootfs = unpacked.rootfs;
    const tree = await timed(`${builder} snapshot`, () => snapshotTree(rootfs, { baseline: base, ...(signal ? { signal } : {}) }));
    // A pushed buildah image is in Docker format (OnBuild kept); its layout copy is converted to OCI.
    const config = builder === "buildah" && c.buildahPush ? await readRegistryConfig(c.buildahPush, signal) : await readLayoutConfig(layout, tag);
    return { layoutRef, rootfs, tree, config, container: containerConfig(config) };
  };
  const [exp, buildahRaw] = await Promise.all([
    expBuild.status === "fulfilled" ? inspect("exp", expLayout, `${expLayout}:${tag}`) : undefined,
    inspect("buildah", buildahLayout, buildahBuilt.value.ociRef),
  ]);
  const buildah = applyDeviations(buildahRaw, c);
  const result: Comparison = {
    buildah,
    treeDifferences: exp ? diffTrees(buildah.tree, exp.tree) : [],
    configDifferences: exp ? diffConfigs(buildah.container, exp.container) : [],
    timings,
  };
  if (exp) result.exp = exp;
  else result.expFailure = (expBuild as PromiseRejectedResult).reason instanceof Error ? (expBuild as PromiseRejectedResult).reason.message : String((expBuild as PromiseRejectedResult).reason);
  await writeFile(join(dir, "timings.json"), JSON.stringify(timings));
  process.stderr.write(`differential ${c.name}: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}\n`);
  return result;
}

/** buildah's image with the case's declared deviations patched in; each must change something. */
function applyDeviations(image: BuiltImage, c: DifferentialCase): BuiltImage {
  const entries = new Map(image.tree.entries);
  for (const d of c.buildahDeviations ?? []) {
    const current = entries.get(d.path);
    if (d.buildkit === null) {
      if (!current) throw new StaleDeviationError(d.path, "buildah has no such path either");
      entries.delete(d.path);
      continue;
    }
    // A deviation that changes the type replaces the entry (a file's size and hash do not belong
    // to the symlink BuildKit has there).
    const keep = current && (d.buildkit.type === undefined || d.buildkit.type === current.type) ? current : { type: "file", mode: 0o644, uid: 0, gid: 0, xattrs: {}, mtimeNs: current?.mtimeNs ?? 0n };
    const patched = { ...keep, ...d.buildkit } as TreeEntry;
    if (current && comparable(current) === comparable(patched)) throw new StaleDeviationError(d.path, `buildah already has ${comparable(current)}`);
    entries.set(d.path, patched);
  }
  const container: ContainerConfig = { ...image.container };
  for (const d of c.buildahConfigDeviations ?? []) {
    if (JSON.stringify(container[d.field]) === JSON.stringify(d.buildkit)) throw new StaleDeviationError(d.field, `buildah already has ${JSON.stringify(d.buildkit)}`);
    if (d.buildkit === undefined) delete container[d.field];
    else container[d.field] = d.buildkit;
  }
  return { ...image, tree: { root: image.tree.root, entries }, container };
}

function comparable(e: TreeEntry): string {
  const { mtimeNs: _ignored, ...rest } = e;
  return JSON.stringify(rest);
}

import { execFile } from "node:child_process";
import { access, mkdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireTools } from "@exp/testing";
import { timed, stepSplit, type Cost, type StepSplit } from "../app-context/measure.js";
import { describeTree, differences } from "../app-context/tree-digest.js";
import { generatedTree, realTree, realTreeCommit, workspaceTree, type PreparedTree } from "../app-context/trees.js";
import type { Figure, Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(repo, "packages", "cli", "dist", "bin.js");

interface Samples {
  cold: Cost[];
  coldSteps: StepSplit[];
  warm: Cost[];
  warmSteps: StepSplit[];
  bud: Cost[];
  push: Cost[];
  floor: Cost[];
  /** Sizes of the last round's outputs, in bytes. */
  sizes: { exp: number; buildah: number; floor: number };
}

/**
 * Issue 20's app contexts: one `COPY . /app/node_modules/` of a node_modules tree (thousands of
 * small compressible files, symlinks) built to an OCI archive, on two trees: a generated,
 * deterministic one (~240 MiB, ~12.8k files, cached under the temp dir) and a real one, the
 * workspace's own node_modules/.pnpm as installed at the commit that set the targets (pinned, so
 * every session measures the same input). The workspace's install of today, which grows with exp's
 * dev dependencies, is measured too (exp alone, no target) to show how exp scales with entries.
 * Per tree and round, whole processes timed from the shell:
 * - exp, the built CLI: `exp build -f <Dockerfile> --progress rawjson -o type=oci,dest=…` with a
 *   fresh EXP_ROOT (cold), then the same command again (warm, nothing changed); the per-step split
 *   comes from the rawjson events;
 * - buildah 1.28: `buildah bud --layers` (vfs, chroot isolation, fresh storage) then
 *   `buildah push … oci-archive:…`, the same Dockerfile and context;
 * - the floor: `tar -c | pigz -6 -p 2` of the same tree, one parallel compression of it.
 * (No "|" in the description or baseline: they are cells of RESULTS.md's table.)
 * The tree is read once before each round so every tool starts on a warm page cache. CPU is user
 * + system from GNU time (`/usr/bin/time -f "%U %S"`, the process and the children it waited
 * for), peak RSS its `%M`. The first round checks that exp's and buildah's images unpack (umoci)
 * to the same files.
 */
export const scenario: Scenario = {
  name: "app-context",
  description: `one COPY of a node_modules tree (generated ~240 MiB/12.8k files; real: the workspace's node_modules/.pnpm installed from the lockfile of ${realTreeCommit.slice(0, 7)}, pinned) to an OCI archive: the built exp CLI cold and warm vs buildah 1.28 and tar piped into pigz -p 2; today's workspace tree, exp alone`,
  baseline: "buildah 1.28 (Debian) through its CLI: `buildah bud --layers --isolation chroot` on fresh vfs storage, then `buildah push` to an oci-archive, the same Dockerfile and tree; and the floor, `tar -c` piped into `pigz -6 -p 2` (GNU tar 1.34, pigz 2.6), of the same tree",
  targets: [
    { metric: "generated_cold_over_buildah", max: 0.35 },
    { metric: "real_cold_over_buildah", max: 0.35 },
    { metric: "generated_cold_over_floor", max: 1.5 },
    { metric: "real_cold_over_floor", max: 1.5 },
    { metric: "generated_warm_s", max: 1 },
    { metric: "real_warm_s", max: 1 },
    { metric: "generated_peak_rss_mib", max: 250 },
    { metric: "real_peak_rss_mib", max: 250 },
  ],
  async run({ signal, log, runs }) {
    const tools = requireTools(["buildah", "pigz", "tar", "skopeo", "umoci"]);
    if (!tools.available) throw new Error(`pnpm bench app-context needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
    await access("/usr/bin/time").catch(() => {
      throw new Error("pnpm bench app-context needs GNU time at /usr/bin/time (Debian package time)");
    });
    log("building the packages (pnpm build)");
    await run("pnpm", ["build"], { cwd: repo, signal, maxBuffer: 16 << 20 });
    const trees = [await generatedTree(log), await realTree(repo, log)];
    const workspace = await workspaceTree(repo, log);
    const work = join(tmpdir(), `exp-bench-app-context-run-${process.pid}`);
    const samples = new Map([...trees, workspace].map((t) => [t.name, { cold: [], coldSteps: [], warm: [], warmSteps: [], bud: [], push: [], floor: [], sizes: { exp: 0, buildah: 0, floor: 0 } } as Samples]));
    try {
      for (let i = 0; i < runs; i++) {
        for (const tree of trees) {
          const dir = join(work, `${tree.name}-${i}`);
          await mkdir(dir, { recursive: true });
          await measureRound(tree, dir, i, samples.get(tree.name)!, signal, log);
          if (i === 0) {
            await sameFiles(join(dir, "exp.tar"), join(dir, "buildah.tar"), join(dir, "compare"), signal);
            log(`${tree.name}: exp's and buildah's images unpack (umoci) to the same files`);
          }
          await rm(dir, { recursive: true, force: true });
        }
        const dir = join(work, `workspace-${i}`);
        await mkdir(dir, { recursive: true });
        await measureExp(workspace, dir, samples.get("workspace")!, signal);
        log(`workspace round ${i + 1}: exp cold ${secs(samples.get("workspace")!.cold.at(-1)!.wall_ms)} s, warm ${secs(samples.get("workspace")!.warm.at(-1)!.wall_ms)} s`);
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const figures: Record<string, Figure> = {};
    for (const tree of trees) Object.assign(figures, treeFigures(tree, samples.get(tree.name)!));
    Object.assign(figures, expFigures(workspace, samples.get("workspace")!));
    figures.real_tree = `the workspace's node_modules/.pnpm installed from ${realTreeCommit.slice(0, 12)}'s lockfile (pinned)`;
    figures.cpu_measure = "user + sys from GNU time (/usr/bin/time -f '%U %S'), the process and the children it waited for; peak RSS is its %M";
    figures.same_files = "yes, both trees (umoci unpack of exp's and buildah's archives, first round)";
    return figures;
  },
};

/** One round on one tree: exp cold then warm, buildah cold, the floor; exp and buildah alternate who goes first. */
async function measureRound(tree: PreparedTree, dir: string, i: number, s: Samples, signal: AbortSignal, log: (line: string) => void): Promise<void> {
  // Read the tree once, untimed: whoever goes first should not pay for the page cache.
  await run("bash", ["-c", 'tar -cf - -C "$1" . | cat > /dev/null', "warm-cache", tree.context], { signal });
  const exp = () => measureExp(tree, dir, s, signal);
  const buildah = async () => {
    const storage = join(dir, "buildah");
    const global = ["--root", join(storage, "root"), "--runroot", join(storage, "runroot"), "--storage-driver", "vfs"];
    const image = `localhost/app-context-${tree.name}:${i}`;
    s.bud.push(await timed("buildah", [...global, "bud", "--layers", "--isolation", "chroot", "--quiet", "-f", tree.dockerfile, "-t", image, tree.context], { log: join(dir, "bud"), signal }));
    s.push.push(await timed("buildah", [...global, "push", "--quiet", image, `oci-archive:${join(dir, "buildah.tar")}:app-context`], { log: join(dir, "push"), signal }));
  };
  if (i % 2 === 0) {
    await exp();
    await buildah();
  } else {
    await buildah();
    await exp();
  }
  const floor = join(dir, "floor.tar.gz");
  s.floor.push(await timed("bash", ["-c", 'set -o pipefail; tar -cf - -C "$1" . | pigz -6 -p 2 > "$2"', "floor", tree.context, floor], { log: join(dir, "floor"), signal }));
  s.sizes = { exp: (await stat(join(dir, "exp.tar"))).size, buildah: (await stat(join(dir, "buildah.tar"))).size, floor: (await stat(floor)).size };
  const buildahMs = s.bud.at(-1)!.wall_ms + s.push.at(-1)!.wall_ms;
  const steps = s.coldSteps.at(-1)!;
  log(
    `${tree.name} round ${i + 1}: exp cold ${secs(s.cold.at(-1)!.wall_ms)} s (load context ${secs(steps.load_context_ms)}, COPY ${secs(steps.copy_ms)}, gzip ${secs(steps.gzip_ms)}, export ${secs(steps.export_ms)}; ` +
      `cpu ${round(s.cold.at(-1)!.cpu_s, 1)} s, rss ${round(s.cold.at(-1)!.max_rss_mib, 0)} MiB), warm ${secs(s.warm.at(-1)!.wall_ms)} s; buildah ${secs(buildahMs)} s; floor ${secs(s.floor.at(-1)!.wall_ms)} s`,
  );
}

/** exp cold (fresh EXP_ROOT), then warm (the same command again, nothing changed). */
async function measureExp(tree: PreparedTree, dir: string, s: Samples, signal: AbortSignal): Promise<void> {
  const expBuild = async (name: string) => {
    const output = join(dir, name);
    const args = [cli, "build", tree.context, "-f", tree.dockerfile, "--progress", "rawjson", "-o", `type=oci,dest=${output}.tar`];
    const cost = await timed(process.execPath, args, { log: output, signal, env: { ...process.env, NODE_OPTIONS: "", EXP_ROOT: join(dir, "exp-root") } });
    return { cost, steps: stepSplit(await readFile(`${output}.err`, "utf8")) };
  };
  const cold = await expBuild("exp");
  const warm = await expBuild("exp-warm");
  s.cold.push(cold.cost);
  s.coldSteps.push(cold.steps);
  s.warm.push(warm.cost);
  s.warmSteps.push(warm.steps);
}

const secs = (ms: number) => round(ms / 1000, 2);
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

/** exp's own figures of one tree: its shape, cold and warm wall, CPU, step split and peak RSS. */
function expFigures(tree: PreparedTree, s: Samples): Record<string, Figure> {
  const t = tree.name;
  const seconds = (ms: readonly number[]) => sampled(ms.map((m) => m / 1000), 2);
  const cold = s.cold.map((c) => c.wall_ms);
  return {
    [`${t}_entries`]: tree.summary.files + tree.summary.symlinks + tree.summary.dirs,
    [`${t}_files`]: tree.summary.files,
    [`${t}_symlinks`]: tree.summary.symlinks,
    [`${t}_hardlinked`]: tree.summary.hardlinked,
    [`${t}_mib`]: mib(tree.summary.bytes),
    [`${t}_cold_s`]: seconds(cold),
    [`${t}_cold_cpu_s`]: sampled(s.cold.map((c) => c.cpu_s), 2),
    [`${t}_cold_load_context_s`]: seconds(s.coldSteps.map((x) => x.load_context_ms)),
    [`${t}_cold_copy_s`]: seconds(s.coldSteps.map((x) => x.copy_ms)),
    [`${t}_cold_gzip_s`]: seconds(s.coldSteps.map((x) => x.gzip_ms)),
    [`${t}_cold_export_s`]: seconds(s.coldSteps.map((x) => x.export_ms)),
    [`${t}_cold_outside_steps_s`]: seconds(s.cold.map((c, i) => c.wall_ms - s.coldSteps[i]!.events_ms)),
    [`${t}_warm_s`]: seconds(s.warm.map((w) => w.wall_ms)),
    [`${t}_warm_cpu_s`]: sampled(s.warm.map((w) => w.cpu_s), 2),
    [`${t}_warm_load_context_s`]: seconds(s.warmSteps.map((x) => x.load_context_ms)),
    [`${t}_warm_outside_steps_s`]: seconds(s.warm.map((w, i) => w.wall_ms - s.warmSteps[i]!.events_ms)),
    [`${t}_peak_rss_mib`]: sampled(s.cold.map((c, i) => Math.max(c.max_rss_mib, s.warm[i]!.max_rss_mib)), 0),
  };
}

function treeFigures(tree: PreparedTree, s: Samples): Record<string, Figure> {
  const t = tree.name;
  const seconds = (ms: readonly number[]) => sampled(ms.map((m) => m / 1000), 2);
  const cold = s.cold.map((c) => c.wall_ms);
  const buildah = s.bud.map((b, i) => b.wall_ms + s.push[i]!.wall_ms);
  const floor = s.floor.map((f) => f.wall_ms);
  return {
    ...expFigures(tree, s),
    [`${t}_buildah_s`]: seconds(buildah),
    [`${t}_buildah_bud_s`]: seconds(s.bud.map((b) => b.wall_ms)),
    [`${t}_buildah_push_s`]: seconds(s.push.map((p) => p.wall_ms)),
    [`${t}_buildah_cpu_s`]: sampled(s.bud.map((b, i) => b.cpu_s + s.push[i]!.cpu_s), 2),
    [`${t}_buildah_rss_mib`]: sampled(s.bud.map((b, i) => Math.max(b.max_rss_mib, s.push[i]!.max_rss_mib)), 0),
    [`${t}_floor_s`]: seconds(floor),
    [`${t}_floor_cpu_s`]: sampled(s.floor.map((f) => f.cpu_s), 2),
    [`${t}_archive_mib`]: `exp ${mib(s.sizes.exp)}, buildah ${mib(s.sizes.buildah)}, floor ${mib(s.sizes.floor)}`,
    [`${t}_cold_over_buildah`]: sampled(pairRatios(cold, buildah)),
    [`${t}_cold_over_floor`]: sampled(pairRatios(cold, floor)),
  };
}

/** Fails unless both OCI archives unpack (skopeo to a layout, then umoci) to the same paths, types, modes and contents. */
async function sameFiles(expArchive: string, buildahArchive: string, dir: string, signal: AbortSignal): Promise<void> {
  const trees: Array<Map<string, string>> = [];
  await mkdir(dir, { recursive: true });
  for (const [name, archive] of [["exp", expArchive], ["buildah", buildahArchive]] as const) {
    const layout = join(dir, `${name}-layout`);
    // exp's archive names no tag (no -t): skopeo takes an archive's only image without one.
    await run("skopeo", ["copy", "--quiet", `oci-archive:${archive}`, `oci:${layout}:img`], { signal });
    await run("umoci", ["unpack", "--rootless", "--image", `${layout}:img`, join(dir, `${name}-bundle`)], { signal });
    trees.push(await describeTree(join(dir, `${name}-bundle`, "rootfs")));
  }
  const differ = differences(trees[0]!, trees[1]!);
  if (differ.length > 0) {
    const show = differ.slice(0, 5).map((p) => `${p} (exp: ${trees[0]!.get(p) ?? "missing"}, buildah: ${trees[1]!.get(p) ?? "missing"})`);
    throw new Error(`exp's and buildah's images differ at ${show.join(", ")}${differ.length > 5 ? ` and ${differ.length - 5} more` : ""}`);
  }
}

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireTools, startRegistry } from "@exp/testing";
import { describeTree } from "../app-context/tree-digest.js";
import { writeContext } from "../fixtures.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(repo, "packages", "cli", "dist", "bin.js");
const layers = 8;
const mibPerLayer = 5;

/**
 * exp against the daemonless builder a user would otherwise pick: buildah 1.28 (Debian), through
 * both CLIs as a CI job runs them, whole processes timed from the shell's point of view. The same
 * Dockerfile (no RUN, no heredocs: buildah 1.28 has none) and context (8 COPY layers of text-like
 * files, 40 MiB), pushed to the same local registry:
 * - exp: the built CLI, `exp build -t <ref> --push` (a fresh store for cold, the same one warm);
 * - buildah: `buildah bud --layers` (vfs storage, chroot isolation) then `buildah push`, a fresh
 *   storage for cold, the same one warm.
 * Each warm run pushes to a new tag of a new repository, so both pay the whole push. The first
 * round checks that the two images hold the same files (umoci unpack of both).
 */
export const scenario: Scenario = {
  name: "buildah",
  description: `${layers * mibPerLayer} MiB context in ${layers} COPY layers built and pushed to a local registry: the built exp CLI vs buildah 1.28 bud --layers + push (vfs, chroot), cold and warm`,
  baseline: "buildah 1.28 (Debian) through its CLI: `buildah bud --layers --isolation chroot` on vfs storage, then `buildah push`, the same Dockerfile, context and registry",
  targets: [
    { metric: "cold_exp_over_buildah", max: 0.5 },
    { metric: "warm_exp_over_buildah", max: 0.5 },
  ],
  async run({ signal, log, runs }) {
    const tools = requireTools(["buildah", "docker-registry", "skopeo", "umoci"]);
    if (!tools.available) throw new Error(`pnpm bench buildah needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
    log("building the packages (pnpm build)");
    await run("pnpm", ["build"], { cwd: repo, signal, maxBuffer: 16 << 20 });
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-buildah-"));
    const registry = await startRegistry({ signal });
    try {
      const context = join(dir, "context");
      await writeContext(context, { layers, bytesPerLayer: mibPerLayer * 1024 * 1024, filesPerLayer: 16 });
      const timed = async (steps: Array<[string, string[]]>) => {
        const started = performance.now();
        for (const [command, args] of steps) await run(command, args, { signal, env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 16 << 20 });
        return performance.now() - started;
      };
      let n = 0;
      const exp = (store: string) => {
        const ref = `${registry.host}/exp-${++n}/app:v1`;
        return { ref, ms: () => timed([[process.execPath, [cli, "build", context, "--root", store, "--progress", "quiet", "-t", ref, "--push", "--insecure-registry", registry.host]]]) };
      };
      const buildah = (storage: string) => {
        const ref = `${registry.host}/buildah-${++n}/app:v1`;
        const global = ["--root", join(storage, "root"), "--runroot", join(storage, "runroot"), "--storage-driver", "vfs"];
        const local = `localhost/bench-app:${n}`;
        return {
          ref,
          ms: () =>
            timed([
              ["buildah", [...global, "bud", "--layers", "--isolation", "chroot", "--quiet", "-t", local, context]],
              ["buildah", [...global, "push", "--quiet", "--tls-verify=false", local, `docker://${ref}`]],
            ]),
        };
      };
      const cold = { exp: [] as number[], buildah: [] as number[] };
      const warm = { exp: [] as number[], buildah: [] as number[] };
      for (let i = 0; i < runs; i++) {
        const store = join(dir, `exp-store-${i}`);
        const storage = join(dir, `buildah-${i}`);
        await mkdir(storage, { recursive: true });
        // Order alternates, so neither tool always runs on the other's warm page cache.
        const order = i % 2 === 0 ? (["exp", "buildah"] as const) : (["buildah", "exp"] as const);
        const refs: Record<string, string> = {};
        for (const tool of order) {
          const first = tool === "exp" ? exp(store) : buildah(storage);
          refs[tool] = first.ref;
          (tool === "exp" ? cold.exp : cold.buildah).push(await first.ms());
        }
        for (const tool of order) (tool === "exp" ? warm.exp : warm.buildah).push(await (tool === "exp" ? exp(store) : buildah(storage)).ms());
        log(`round ${i + 1}: cold exp ${round(cold.exp[i]!, 0)} ms, buildah ${round(cold.buildah[i]!, 0)} ms; warm exp ${round(warm.exp[i]!, 0)} ms, buildah ${round(warm.buildah[i]!, 0)} ms`);
        if (i === 0) await sameFiles(refs.exp!, refs.buildah!, join(dir, "compare"), signal);
        await rm(store, { recursive: true, force: true });
        await rm(storage, { recursive: true, force: true });
      }
      return {
        cold_exp_ms: sampled(cold.exp, 0),
        cold_buildah_ms: sampled(cold.buildah, 0),
        warm_exp_ms: sampled(warm.exp, 0),
        warm_buildah_ms: sampled(warm.buildah, 0),
        cold_exp_over_buildah: sampled(pairRatios(cold.exp, cold.buildah)),
        warm_exp_over_buildah: sampled(pairRatios(warm.exp, warm.buildah)),
        layers,
        context_mib: layers * mibPerLayer,
        same_files: "yes (umoci unpack of both, first round)",
      };
    } finally {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** Fails unless both images unpack (umoci) to the same paths, types, modes and contents. */
async function sameFiles(expRef: string, buildahRef: string, dir: string, signal: AbortSignal): Promise<void> {
  const trees: Array<Map<string, string>> = [];
  await mkdir(dir, { recursive: true });
  for (const [name, ref] of [["exp", expRef], ["buildah", buildahRef]] as const) {
    const layout = join(dir, `${name}-layout`);
    await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:img`], { signal });
    await run("umoci", ["unpack", "--rootless", "--image", `${layout}:img`, join(dir, `${name}-bundle`)], { signal });
    trees.push(await describeTree(join(dir, `${name}-bundle`, "rootfs")));
  }
  const [a, b] = trees as [Map<string, string>, Map<string, string>];
  const differ = [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path));
  if (differ.length > 0) throw new Error(`exp's and buildah's images differ at ${differ.slice(0, 5).join(", ")}${differ.length > 5 ? ` and ${differ.length - 5} more` : ""}`);
}

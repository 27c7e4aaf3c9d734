import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import {
  buildahPull,
  createBuildahStorage,
  debianBaseImage,
  serveDebianBase,
  skipUnlessRoot,
  skipUnlessTools,
  snapshotTree,
  startRegistry,
  umociUnpack,
} from "@exp/testing";
import { DIFFERENTIAL_TOOLS, type DifferentialEnv } from "./env.js";
import { writeSnapshot } from "./snapshot-json.js";
import { unmountUnder } from "./mounts.js";
import { pickRunParent } from "./run-dir.js";

// Once per run, for every test file: the Debian base (cached per machine), ONE registry serving it,
// ONE buildah storage with the base already pulled (so concurrent cases do not each download it),
// and the base unpacked and snapshotted once (each case's snapshots take unchanged files' hashes
// from it instead of reading 170 MB twice).
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // On a developer machine without the tools every file skips; with CI=true this throws instead.
  if (skipUnlessTools(...DIFFERENTIAL_TOOLS) || skipUnlessRoot("umoci unpack, chroot and buildah")) {
    project.provide("differential", null);
    return undefined;
  }
  const signal = AbortSignal.timeout(14 * 60_000);
  const times: string[] = [];
  let t = Date.now();
  const lap = (what: string) => {
    times.push(`${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
  };
  const image = await debianBaseImage({ signal });
  lap("base image");
  // No signal: aborting startRegistry's signal later would stop the registry.
  const registry = await startRegistry();
  const runParent = pickRunParent();
  const run = { path: await mkdtemp(join(runParent, "exp-differential-")), cleanup: () => rm(run.path, { recursive: true, force: true }) };
  try {
    const baseRef = await serveDebianBase(registry, { signal });
    lap("registry + push");
    const storage = await createBuildahStorage({ dir: join(run.path, "buildah"), signal });
    await buildahPull(storage, baseRef, { signal });
    lap("buildah pull");
    const baseRootfs = await umociUnpack(image.ociRef, join(run.path, "base"), { signal });
    const baselinePath = join(run.path, "baseline.json");
    await writeSnapshot(baselinePath, await snapshotTree(baseRootfs, { signal }));
    lap("base unpack + snapshot");
    process.stderr.write(`differential setup (in ${runParent}): ${times.join(", ")}\n`);
    const env: DifferentialEnv = { registryHost: registry.host, baseRef, baseOciRef: image.ociRef, storage: { root: storage.root, runroot: storage.runroot }, runDir: run.path, baseRootfs, baselinePath };
    project.provide("differential", env);
  } catch (error) {
    await registry.stop();
    await run.cleanup();
    throw error;
  }
  return async () => {
    await registry.stop();
    if (process.env.EXP_DIFF_KEEP === "1") {
      process.stderr.write(`differential: kept ${run.path}\n`);
      return;
    }
    // Overlays of cases that did not finish (a timeout) would make removing the dir fail or, worse,
    // write whiteouts through them: unmount first.
    await unmountUnder(run.path);
    await run.cleanup();
  };
}

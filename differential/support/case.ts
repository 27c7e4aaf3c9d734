import { skipUnlessRoot, skipUnlessTools, type TreeEntry, type TreeSnapshot } from "@exp/testing";
import type { ExpectStatic } from "vitest";
import type { Comparison } from "./compare.js";
import { DIFFERENTIAL_TOOLS } from "./env.js";
import { configReport, treeReport } from "./report.js";
import { STARTS, startImage, type StartResult } from "./starts.js";

/** For describe.skipIf: the tools are missing (CI=true throws instead) or we are not root. */
export function skipDifferential(): boolean {
  return skipUnlessTools(...DIFFERENTIAL_TOOLS) || skipUnlessRoot("umoci unpack, chroot and buildah");
}

/** The first lines of every case built on the Debian base (the served `bookworm-min`). */
export const FROM_BASE = "ARG BASE\nFROM ${BASE}\n";

/** A path of a tree, for `toMatchObject` (undefined when absent). */
export function at(tree: TreeSnapshot, path: string): TreeEntry | undefined {
  return tree.entries.get(path);
}

/**
 * What every case checks once its own BuildKit facts hold on buildah's tree: exp's tree and
 * container config are buildah's (with the declared deviations), and for images on the real base,
 * the image starts (a shell runs; nobody can write to /tmp). Soft assertions, so a failing case
 * reports all three.
 */
export async function expectSameAsBuildKit(expect: ExpectStatic, cmp: Comparison, options: { starts?: StartResult | false } = {}): Promise<void> {
  if (!cmp.exp) {
    expect(cmp.expFailure, "exp's build failed").toBeUndefined();
    return;
  }
  expect.soft(treeReport(cmp), "tree differences, BuildKit (buildah) != exp").toBe("");
  expect.soft(configReport(cmp), "config differences, BuildKit (buildah) != exp").toBe("");
  const starts = options.starts ?? STARTS;
  if (starts) {
    expect.soft(await startImage(cmp.buildah.rootfs), "buildah's image starts (harness check)").toEqual(starts);
    expect.soft(await startImage(cmp.exp.rootfs), "exp's image starts").toEqual(starts);
  }
}

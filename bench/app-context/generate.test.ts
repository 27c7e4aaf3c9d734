import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTree } from "./generate.js";
import { planTree } from "./plan.js";
import { describeTree, differences } from "./tree-digest.js";

const small = { seed: 20, files: 300, bytes: 3 << 20 };

describe("app-context tree generator", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes the same files, links and modes on every run, and another tree for another seed", async () => {
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), "exp-bench-tree-"))));
    dirs.push(a!, b!, c!);
    await writeTree(a!, small);
    await writeTree(b!, small);
    await writeTree(c!, { ...small, seed: 21 });
    const [first, second, other] = await Promise.all([a!, b!, c!].map((d) => describeTree(d)));
    expect(differences(first!, second!)).toEqual([]);
    expect(differences(first!, other!).length).toBeGreaterThan(0);
  });

  it("is shaped like pnpm's node_modules: scoped packages, dependency, top-level and .bin symlinks, bytes as asked", () => {
    const plan = planTree(small);
    expect(plan.files.length).toBeGreaterThanOrEqual(small.files);
    const bytes = plan.files.reduce((n, f) => n + f.size, 0);
    expect(Math.abs(bytes - small.bytes) / small.bytes).toBeLessThan(0.01);
    expect(plan.packages.some((p) => p.name.startsWith("@"))).toBe(true);
    expect(plan.links.some((l) => l.path.startsWith(".pnpm/") && l.target.startsWith("../../"))).toBe(true);
    expect(plan.links.some((l) => !l.path.startsWith("."))).toBe(true);
    // The plan alone is deterministic too.
    expect(planTree(small)).toEqual(plan);
  });
});

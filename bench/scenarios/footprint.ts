import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Figure, Scenario } from "../scenario.js";
import { installedFootprint, packWorkspace, type Footprint } from "../tools/deploy-footprint.js";

const workspace = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The baseline: `main` as issue 12 measured it, the last commit before the packages were made
 * separable (the contract named the registry client class, the CLI depended on every backend,
 * the oci exporter on the image exporter). It is checked out, installed and built aside, once.
 */
const baselineCommit = "3127425";

const backends = ["exporter-image", "exporter-oci", "exporter-local", "cache-registry", "cache-local", "cache-s3", "cache-inline"];

/** The sets a user installs; `cli+x` is the CLI with one backend, as `npm i @exp/cli @exp/x` would hold. */
const sets: Record<string, string[]> = {
  solver: ["@exp/solver"],
  "exporter-oci": ["@exp/exporter-oci"],
  cli: ["@exp/cli"],
  ...Object.fromEntries(backends.map((b) => [`cli+${b}`, ["@exp/cli", `@exp/${b}`]])),
  all: ["@exp/all"],
};

/** What must not be in an install, per the goals. */
const forbidden: Record<string, (name: string) => boolean> = {
  solver: (n) => n === "undici" || n === "@exp/registry" || n.startsWith("@aws-sdk/"),
  cli: (n) => n.startsWith("@aws-sdk/") || n.startsWith("@exp/exporter-") || (n.startsWith("@exp/cache-") && n !== "@exp/cache-config"),
  "exporter-oci": (n) => n === "@exp/exporter-image" || n === "@exp/registry" || n === "undici",
};

/**
 * What a user's install holds (size on disk, package count, which packages): each public package
 * packed as a release would publish it, installed with `npm i --omit=dev` into an empty project
 * (third-party packages from the npm registry), for `@exp/solver` (what a plugin depends on),
 * `@exp/exporter-oci` (an offline `type=oci` user), `@exp/cli` alone, the CLI with each
 * first-party backend, and `@exp/all`; against the same install of the baseline commit's packages
 * for the three the issue set goals for. Not sampled: an install's size does not vary.
 *
 * Why not `pnpm deploy --prod`, which the issue used: it resolves optional peers from the
 * workspace's lockfile, so a package whose dependency has an optional peer on TypeScript deploys
 * with the workspace's TypeScript (23 MiB) that no user's install would hold.
 */
export const scenario: Scenario = {
  name: "footprint",
  description: `npm install size of @exp/solver, @exp/exporter-oci, @exp/cli alone / with each backend, @exp/all; vs ${baselineCommit} (before issue 12)`,
  baseline: "the same installs of commit 3127425, the last before issue 12",
  targets: [
    { metric: "solver_forbidden", max: 0 },
    { metric: "cli_forbidden", max: 0 },
    { metric: "exporter-oci_forbidden", max: 0 },
    { metric: "solver_over_baseline", max: 0.5 },
    { metric: "cli_over_baseline", max: 0.5 },
    { metric: "exporter-oci_over_baseline", max: 0.5 },
  ],
  async run({ log }) {
    const scratch = await mkdtemp(join(tmpdir(), "exp-bench-footprint-"));
    try {
      log("building this checkout");
      build(workspace);
      const baseline = await baselineWorkspace(log);
      const figures: Record<string, Figure> = {};
      log("packing both workspaces");
      const tarballs = await packWorkspace(workspace, join(scratch, "packed"));
      const baselineTarballs = await packWorkspace(baseline, join(scratch, "packed-baseline"));
      let n = 0;
      for (const [set, packages] of Object.entries(sets)) {
        const current = await installedFootprint(packages, tarballs, join(scratch, `install-${n++}`));
        log(`${set}: ${current.mib} MiB, ${current.packages} packages`);
        Object.assign(figures, describe(set, current));
        const rule = forbidden[set];
        if (rule) {
          const found = current.names.filter(rule);
          figures[`${set}_forbidden`] = found.length;
          if (found.length > 0) figures[`${set}_forbidden_names`] = found.join(" ");
          const before = await installedFootprint(packages, baselineTarballs, join(scratch, `install-${n++}`));
          figures[`baseline_${set}_mib`] = before.mib;
          figures[`baseline_${set}_packages`] = before.packages;
          figures[`${set}_over_baseline`] = Math.round((current.mib / before.mib) * 1000) / 1000;
        }
      }
      figures.baseline_commit = baselineCommit;
      return figures;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
};

/** Size, count, and the packages a reader looks for first: the AWS SDK, the HTTP client, exp's own. */
function describe(set: string, footprint: Footprint): Record<string, Figure> {
  const aws = footprint.names.filter((n) => n.startsWith("@aws-sdk/") || n.startsWith("@smithy/")).length;
  const notable = footprint.names.filter((n) => n === "undici" || n.startsWith("@exp/"));
  return {
    [`${set}_mib`]: footprint.mib,
    [`${set}_packages`]: footprint.packages,
    [`${set}_aws_smithy_packages`]: aws,
    [`${set}_holds`]: notable.map((n) => n.replace("@exp/", "")).join(" "),
  };
}

function build(root: string): void {
  execFileSync("pnpm", ["exec", "turbo", "run", "build", "--filter=./packages/*", "--output-logs=errors-only"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}

/** The baseline commit in a worktree of its own, installed from the store and built (kept between runs). */
async function baselineWorkspace(log: (line: string) => void): Promise<string> {
  const dir = join(tmpdir(), `exp-bench-footprint-baseline-${baselineCommit}`);
  const stamp = join(dir, ".built");
  if (existsSync(stamp)) return dir;
  log(`checking out, installing and building ${baselineCommit} in ${dir} (once)`);
  if (!existsSync(join(dir, "package.json"))) {
    await rm(dir, { recursive: true, force: true });
    execFileSync("git", ["worktree", "prune"], { cwd: workspace });
    execFileSync("git", ["worktree", "add", "--detach", dir, baselineCommit], { cwd: workspace, stdio: "ignore" });
  }
  execFileSync("pnpm", ["install", "--offline", "--frozen-lockfile"], { cwd: dir, stdio: "ignore" });
  build(dir);
  await writeFile(stamp, `${new Date().toISOString()}\n`);
  return dir;
}

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(repo, "packages", "cli", "dist", "bin.js");

/**
 * How fast the built CLI starts, as CI calls it: `exp --version`, `exp --help`, and a warm rebuild
 * of examples/hello with the README's main job outputs (an OCI archive, a directory, a local
 * cache), each a whole process, against `node -e 0` (Node's own start, the floor) timed in the
 * same rounds. Issue 14 asks for ≤ 0.15 s on a machine where Node starts in about 0.07 s, so the
 * targets are ratios to Node's start: `--version` and `--help` may cost one more Node start.
 */
export const scenario: Scenario = {
  name: "startup",
  description: "built exp CLI: --version, --help and a warm rebuild of examples/hello (oci + local + cache outputs), whole processes, vs node -e 0",
  baseline: "`node -e 0`: Node's own start on the same machine, timed in the same rounds",
  targets: [
    { metric: "version_over_node", max: 2 },
    { metric: "help_over_node", max: 2 },
  ],
  async run({ signal, log, runs }) {
    log("building the packages (pnpm build)");
    await run("pnpm", ["build"], { cwd: repo, signal, maxBuffer: 16 << 20 });
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-startup-"));
    const timed = async (args: readonly string[]) => {
      const started = performance.now();
      await run(process.execPath, args, { cwd: repo, signal, env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 16 << 20 });
      return performance.now() - started;
    };
    const hello = ["build", "examples/hello", "--root", join(dir, "store"), "--progress", "plain", "-o", `type=oci,dest=${join(dir, "hello.tar")}`, "-o", `type=local,dest=${join(dir, "hello")}`, "--cache-to", `type=local,dest=${join(dir, "cache")}`];
    try {
      await timed([cli, ...hello]); // the cold build that warms the store
      const node: number[] = [];
      const version: number[] = [];
      const help: number[] = [];
      const warm: number[] = [];
      // Alternating, so drift in the machine's load falls on every figure alike.
      for (let i = 0; i < Math.max(runs, 5) * 2; i++) {
        node.push(await timed(["-e", "0"]));
        version.push(await timed([cli, "--version"]));
        help.push(await timed([cli, "--help"]));
        warm.push(await timed([cli, ...hello]));
        log(`round ${i + 1}: node ${round(node.at(-1)!, 0)} ms, --version ${round(version.at(-1)!, 0)} ms, --help ${round(help.at(-1)!, 0)} ms, warm hello ${round(warm.at(-1)!, 0)} ms`);
      }
      return {
        node_ms: sampled(node, 0),
        version_ms: sampled(version, 0),
        help_ms: sampled(help, 0),
        hello_warm_ms: sampled(warm, 0),
        version_over_node: sampled(pairRatios(version, node), 2),
        help_over_node: sampled(pairRatios(help, node), 2),
        hello_warm_over_node: sampled(pairRatios(warm, node), 2),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

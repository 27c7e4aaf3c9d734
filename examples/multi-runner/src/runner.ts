import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import { runCli } from "@exp/cli";

/** This example's directory: its Dockerfile, app/ and base/. */
export const exampleDir = fileURLToPath(new URL("..", import.meta.url));

/** Where a runner's cache goes: `--cache-to`/`--cache-from` without the name. */
export interface CacheTarget {
  /** e.g. `type=s3,bucket=ci-cache,region=us-east-1,endpoint_url=…,use_path_style=true`. */
  spec: string;
  /** AWS_ACCESS_KEY_ID and the like, as the workflow's step gives them. */
  env: Record<string, string>;
}

export interface RunnerBuild {
  /** `containerimage.digest` of --metadata-file: the image manifest pushed by digest. */
  digest: string;
  /** What exp printed (progress, plain). */
  log: string;
}

/** One exp command as the workflow runs it, in this process; throws with the log when it fails. */
export async function exp(argv: string[], env: Record<string, string>, cwd: string): Promise<string> {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let log = "";
  stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const code = await runCli(argv, { stdout, stderr, env: { ...process.env, ...env }, cwd, isTTY: false });
  if (code !== 0) throw new Error(`exp ${argv.join(" ")} exited with ${code}:\n${log}`);
  return log;
}

/**
 * The build job of workflow.yml on one runner: its own store (`root`, a fresh machine), one
 * platform, pushed by digest, its cache read and written under a per-platform name. The commit's
 * time as SOURCE_DATE_EPOCH makes the image the same on every run of the same commit.
 */
export async function buildOnRunner(options: { root: string; platform: string; image: string; base: string; cache: CacheTarget; work: string; sourceDateEpoch: number }): Promise<RunnerBuild> {
  const pair = options.platform.replaceAll("/", "-");
  const metadata = join(options.work, `metadata-${pair}-${Date.now()}.json`);
  const cache = `${options.cache.spec},name=app-${pair}`;
  // prettier-ignore
  const log = await exp([
    "build", exampleDir, "--root", options.root, "--progress", "plain",
    "--platform", options.platform, "--build-arg", `BASE=${options.base}`,
    "--output", `type=image,name=${options.image},push-by-digest=true,name-canonical=true,push=true`,
    "--cache-from", cache, "--cache-to", `${cache},mode=max`,
    "--metadata-file", metadata,
  ], { ...options.cache.env, SOURCE_DATE_EPOCH: String(options.sourceDateEpoch) }, options.work);
  const digest = (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"];
  if (!digest) throw new Error(`no containerimage.digest in ${metadata}`);
  return { digest, log };
}

/** The merge job: one index of every runner's digest, tagged. */
export async function mergeDigests(options: { image: string; tags: readonly string[]; digests: readonly string[]; work: string }): Promise<string> {
  const tags = options.tags.flatMap((tag) => ["-t", tag]);
  return exp(["imagetools", "create", ...tags, ...options.digests.map((d) => `${options.image}@${d}`)], {}, options.work);
}

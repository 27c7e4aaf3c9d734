import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { metadataPath, TrialError, type CrashWorld } from "./world.js";

/**
 * The image the re-run pushed is whole: skopeo copies it by the digest the metadata file reports,
 * checking every blob's digest on the way, and the tag names the same manifest.
 */
export async function verifyPushed(world: CrashWorld, index: number, label: string): Promise<void> {
  const metadata = JSON.parse(await readFile(metadataPath(world, index), "utf8")) as Record<string, unknown>;
  const digest = metadata["containerimage.digest"];
  if (typeof digest !== "string") throw new TrialError(`${label}: the metadata file has no containerimage.digest`);
  const repo = `${world.registry}/crash/app`;
  const raw = await skopeo(world, ["inspect", "--raw", "--tls-verify=false", `docker://${repo}:t${index}`]);
  const tagDigest = `sha256:${createHash("sha256").update(raw).digest("hex")}`;
  if (tagDigest !== digest) throw new TrialError(`${label}: ${repo}:t${index} names ${tagDigest}, the metadata file says ${digest}`);
  const dest = join(world.work, "pulled");
  await rm(dest, { recursive: true, force: true });
  await skopeo(world, ["copy", "--quiet", "--src-tls-verify=false", `docker://${repo}@${digest}`, `oci:${dest}`]);
  if ((await readdir(join(dest, "blobs", "sha256"))).length < 3) throw new TrialError(`${label}: the pulled image has fewer blobs than an index, a manifest and a config`);
  await rm(dest, { recursive: true, force: true });
}

/** skopeo's stdout as bytes (a manifest is hashed as sent). HOME keeps its blob-info cache in the work dir. */
function skopeo(world: CrashWorld, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const env = { HOME: world.work, PATH: process.env.PATH ?? "/usr/bin:/bin" };
    execFile("skopeo", args, { env, encoding: "buffer", timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new TrialError(`skopeo ${args.join(" ")}: ${stderr.toString("utf8").trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipUnlessTools, startRegistry, startS3, type TestRegistry, type TestS3 } from "@exp/testing";
import { buildOnRunner, exampleDir, exp, mergeDigests, type CacheTarget } from "./runner.js";

const platforms = ["linux/amd64", "linux/arm64"] as const;
/** The commit's time, as workflow.yml sets SOURCE_DATE_EPOCH. */
const sourceDateEpoch = 1_765_000_000;

function skopeo(args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

// Issue 15 point 5: the multi-runner workflow (workflow.yml) end to end, each runner a store of its
// own, against Debian's docker-registry and OpenStack Swift's S3 API.
describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "swift-proxy-server"))("examples/multi-runner", () => {
  let work: string;
  let registry: TestRegistry;
  let s3: TestS3;
  let cache: CacheTarget;
  let base: string;
  let image: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "exp-multi-runner-"));
    [registry, s3] = await Promise.all([startRegistry(), startS3({ bucket: "ci-cache" })]);
    cache = {
      spec: `type=s3,bucket=ci-cache,region=${s3.region},endpoint_url=${s3.endpoint},use_path_style=true`,
      env: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    };
    // The S3 keys reach exp in each runner's environment (the workflow step's `env:`; runner.ts
    // passes cache.env to runCli). A runner's environment has buildx's default provenance on
    // (vitest turns it off for the other tests).
    process.env.BUILDX_NO_DEFAULT_ATTESTATIONS = "";
    base = `${registry.host}/library/base:1`;
    image = `${registry.host}/examples/multi-runner`;
    // The multi-platform base every runner builds FROM, pushed once before the matrix starts.
    await exp(["build", join(exampleDir, "base"), "--root", join(work, "base-root"), "--platform", platforms.join(","), "-t", base, "--push"], {}, work);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([registry?.stop(), s3?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it("builds each platform on its own runner, merges the digests into one index skopeo reads, and rebuilds each runner from its cache", async () => {
    // The matrix: two runners at once, each with a fresh store.
    const builds = await Promise.all(platforms.map((platform, i) => buildOnRunner({ root: join(work, `runner-${i}`), platform, image, base, cache, work, sourceDateEpoch })));
    // With buildx's default provenance each runner pushes an index: its image manifest and the
    // attestation manifest about it.
    const runnerIndexes = builds.map((b) => JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${image}@${b.digest}`])) as { manifests: Array<{ digest: string; platform: { os: string; architecture: string } }> });
    const imageDigests = runnerIndexes.map((index) => index.manifests.find((m) => m.platform.os !== "unknown")!.digest);
    expect(new Set(imageDigests).size).toBe(2);
    // Pushed by digest: each index is there, and no tag yet (docker-registry answers 404 for a repository without tags).
    const tags = await fetch(`${registry.url}/v2/examples/multi-runner/tags/list`);
    expect(tags.ok ? ((await tags.json()) as { tags: string[] | null }).tags ?? [] : []).toEqual([]);

    // The merge job.
    const tag = `${image}:1.0`;
    await mergeDigests({ image, tags: [tag], digests: builds.map((b) => b.digest), work });
    const index = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${tag}`]));
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const entries = index.manifests as Array<{ digest: string; platform: { os: string; architecture: string }; annotations?: Record<string, string> }>;
    // Both platforms, each followed by its own attestation manifest (buildx's Combine keeps them together).
    expect(entries.filter((m) => m.platform.os !== "unknown").map((m) => [`${m.platform.os}/${m.platform.architecture}`, m.digest])).toEqual(platforms.map((p, i) => [p, imageDigests[i]]));
    expect(entries.filter((m) => m.platform.os === "unknown").map((m) => m.annotations?.["vnd.docker.reference.digest"]).sort()).toEqual([...imageDigests].sort());
    // Every platform's manifest, config and layers are there: skopeo copies all of them.
    const layout = join(work, "pulled");
    skopeo(["copy", "--all", "--src-tls-verify=false", `docker://${tag}`, `oci:${layout}:1.0`]);
    for (const [i, platform] of platforms.entries()) {
      const config = JSON.parse(skopeo(["inspect", "--config", "--tls-verify=false", "--override-arch", platform.split("/")[1]!, `docker://${tag}`]));
      expect(config.architecture).toBe(platform.split("/")[1]);
      const manifest = JSON.parse(await readFile(join(layout, "blobs", "sha256", imageDigests[i]!.slice(7)), "utf8"));
      // The base's layer, then WORKDIR's and COPY's.
      expect(manifest.layers).toHaveLength(3);
    }

    // The next run of the workflow: new runners, empty stores, each platform's cache from S3.
    const again = await Promise.all(platforms.map((platform, i) => buildOnRunner({ root: join(work, `runner-${i}-next`), platform, image, base, cache, work, sourceDateEpoch })));
    for (const [i, rebuild] of again.entries()) {
      // A full hit: both steps cached, the same image (SOURCE_DATE_EPOCH) pushed again; its
      // provenance, which records the build's times, is new.
      expect(rebuild.log.match(/ CACHED$/gm)?.length, rebuild.log).toBe(2);
      const rebuilt = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${image}@${rebuild.digest}`])) as { manifests: Array<{ digest: string; platform: { os: string } }> };
      expect(rebuilt.manifests.find((m) => m.platform.os !== "unknown")!.digest).toBe(imageDigests[i]);
    }
  }, 240_000);
});

import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { skipUnlessTools } from "@exp/testing";
import { run } from "./test-helpers.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

describe.skipIf(skipUnlessTools("skopeo", "umoci"))("the README's main job, end to end", () => {
  it("builds examples/hello and exports an OCI archive skopeo reads and a directory with the site", async () => {
    const out = await mkdtemp(join(tmpdir(), "exp-main-job-"));
    try {
      const result = await run(["build", join(repo, "examples", "hello"), "-t", "hello:1.0", "-o", `type=oci,dest=${out}/hello.tar`, "-o", `type=local,dest=${out}/hello`, "--cache-to", `type=local,dest=${out}/cache`, "--root", join(out, "store"), "--progress", "plain"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/exported:\n {2}oci {10}written to .*hello\.tar\n {2}local {8}written to the directory .*hello\n {2}cache:local {2}written to the directory .*cache\n {2}manifest {5}sha256:[0-9a-f]{64} \(containerimage\.digest\)\n {2}config {7}sha256:[0-9a-f]{64} \(containerimage\.config\.digest, the image id -q prints\)\n/);
      const cacheIndex = JSON.parse(await readFile(join(out, "cache", "index.json"), "utf8"));
      expect(cacheIndex.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe("latest");
      const inspected = JSON.parse(execFileSync("skopeo", ["inspect", `oci-archive:${out}/hello.tar:1.0`], { encoding: "utf8" }));
      expect(inspected.Labels["org.opencontainers.image.title"]).toBe("hello");
      expect(await readFile(join(out, "hello", "srv", "www", "index.html"), "utf8")).toBe(await readFile(join(repo, "examples", "hello", "site", "index.html"), "utf8"));
      expect(await readFile(join(out, "hello", "srv", "www", "VERSION"), "utf8")).toBe("1.0.0\n");
      // A fresh store (the next CI runner) with the exported cache: every step hits.
      // Two sources, one of which does not exist (BuildKit's testMultipleRegistryCacheImportExport): a warning, and still every step hits.
      const fromCache = await run(["build", join(repo, "examples", "hello"), "-o", `type=local,dest=${out}/from-cache`, "--cache-from", `type=local,src=${out}/no-cache-here`, "--cache-from", `type=local,src=${out}/cache`, "--root", join(out, "store-2"), "--progress", "plain"]);
      expect(fromCache.code, fromCache.stderr).toBe(0);
      expect(fromCache.stderr).toMatch(/no cache found there yet/);
      // WORKDIR and the two COPYs.
      expect(fromCache.stderr.match(/CACHED/g)?.length).toBe(3);
      expect(await readFile(join(out, "from-cache", "srv", "www", "VERSION"), "utf8")).toBe("1.0.0\n");
      // A second run on the same store is a full cache hit.
      const again = await run(["build", join(repo, "examples", "hello"), "-o", `type=local,dest=${out}/again`, "--root", join(out, "store"), "--progress", "plain"]);
      expect(again.code).toBe(0);
      expect(again.stderr.match(/CACHED/g)?.length).toBe(3);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

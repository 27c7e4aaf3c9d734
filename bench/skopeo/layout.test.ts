import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ensureLayout } from "./layout.js";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("the skopeo scenario's OCI layout", () => {
  it("holds valid gzipped tar layers whose uncompressed digests are the config's diff_ids, and is reused once built", async () => {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-layout-test-"));
    dirs.push(dir);
    const logged: string[] = [];
    const layout = await ensureLayout(join(dir, "layout"), [0.01, 0.0004], (line) => logged.push(line));
    const blob = (digest: string) => readFile(join(layout.dir, "blobs", "sha256", digest.slice(7)));
    const manifest = JSON.parse((await blob(layout.manifest.digest)).toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const config = JSON.parse((await blob(manifest.config.digest)).toString()) as { rootfs: { diff_ids: string[] } };
    expect(manifest.layers.map((l) => l.digest)).toEqual(layout.layers.map((l) => l.digest));
    for (const [i, layer] of layout.layers.entries()) {
      const tar = gunzipSync(await blob(layer.digest));
      expect(`sha256:${createHash("sha256").update(tar).digest("hex")}`).toBe(config.rootfs.diff_ids[i]);
      // GNU tar, a reader other than the writer: one regular file of the asked size.
      const { stdout } = await run("tar", ["-tvzf", join(layout.dir, "blobs", "sha256", layer.digest.slice(7))]);
      expect(stdout).toMatch(new RegExp(`^-rw-r--r-- 0/0 +${Math.round([0.01, 0.0004][i]! * 1024 * 1024)} .* layer-${i}\\.bin\\n$`));
    }
    const index = JSON.parse(await readFile(join(layout.dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests).toEqual([expect.objectContaining({ digest: layout.manifest.digest, annotations: { "org.opencontainers.image.ref.name": layout.tag } })]);
    expect(await ensureLayout(join(dir, "layout"), [0.01, 0.0004], (line) => logged.push(line))).toEqual(layout);
    expect(logged).toHaveLength(1);
  });
});

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import { skipUnlessTools } from "@exp/testing";
import { LayerBlobs } from "./layer-blobs.js";
import { tarballLayer } from "./tarball-layer.js";
import type { Layer } from "./layer.js";
import { writeTestLayout } from "../graph/test-support.js";
import { ProgressReporter } from "../progress/reporter.js";
import { copy, local, scratch } from "../graph/nodes.js";
import { Solver } from "../graph/solver.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-pgzip-layer-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Text of random words: compressible, so matches cross the 512 KiB block seams. */
function textLike(size: number): Buffer {
  const words = Array.from({ length: 3000 }, (_, i) => createHash("sha1").update(String(i)).digest("hex").replace(/\d/g, "").slice(0, 3 + (i % 8)));
  const out = Buffer.alloc(size);
  for (let at = 0, i = 0; at < size; i++) at += out.write(`${words[(i * 7919) % words.length]} `, at);
  return out;
}

const readBlob = (digest: Digest) => store.readAll(digest, { maxBytes: 256 << 20 });

describe("gzip layers compressed in blocks", () => {
  it("give the same blob alone and beside other layers compressing at once, and it is not one zlib stream's", async () => {
    const content = textLike(7 * 1024 * 1024 + 17);
    await writeFile(join(dir, "layer.tar"), content);
    const layer = await tarballLayer(join(dir, "layer.tar"));
    const others: Layer[] = [];
    for (let i = 0; i < 3; i++) {
      await writeFile(join(dir, `other-${i}.tar`), textLike(3 * 1024 * 1024 + i));
      others.push(await tarballLayer(join(dir, `other-${i}.tar`)));
    }
    const alone = await new LayerBlobs(await openContentStore(join(dir, "alone"))).get(layer, { type: "gzip", level: 6 });
    const crowdStore = await openContentStore(join(dir, "crowd"));
    const crowd = new LayerBlobs(crowdStore);
    const [together] = await Promise.all([crowd.get(layer, { type: "gzip", level: 6 }), ...others.map((o) => crowd.get(o, { type: "gzip", level: 6 }))]);
    expect(together!.descriptor.digest).toBe(alone.descriptor.digest);
    expect(gunzipSync(await crowdStore.readAll(together!.descriptor.digest, { maxBytes: 64 << 20 })).equals(content)).toBe(true);
    // Blocks, not one zlib stream: a layer above one block is not createGzip's bytes.
    expect(alone.descriptor.digest).not.toBe(`sha256:${createHash("sha256").update(gzipSync(content)).digest("hex")}`);
  });

  it("keeps createGzip's bytes for a layer of one block or less, and compression-level 0 works", async () => {
    const content = textLike(500 * 1024);
    await writeFile(join(dir, "small.tar"), content);
    const layer = await tarballLayer(join(dir, "small.tar"));
    const blobs = new LayerBlobs(store);
    for (const level of [undefined, 1, 9]) {
      const blob = await blobs.get(layer, { type: "gzip", ...(level === undefined ? {} : { level }), force: true });
      expect((await readBlob(blob.descriptor.digest)).equals(gzipSync(content, { level: level ?? 6 }))).toBe(true);
    }
    const big = textLike(6 * 1024 * 1024);
    await writeFile(join(dir, "big.tar"), big);
    const stored = await blobs.get(await tarballLayer(join(dir, "big.tar")), { type: "gzip", level: 0, force: true });
    expect(stored.descriptor.size).toBeGreaterThan(big.length);
    expect(gunzipSync(await readBlob(stored.descriptor.digest)).equals(big)).toBe(true);
  });

  describe.skipIf(skipUnlessTools("umoci", "skopeo"))("read by Go's decompressor", () => {
    it("umoci unpacks and skopeo decompresses a layer made of many blocks, to the diffID", async () => {
      const context = join(dir, "context");
      await mkdir(join(context, "app"), { recursive: true });
      const big = textLike(12 * 1024 * 1024 + 5);
      await writeFile(join(context, "app", "bundle.js"), big);
      await writeFile(join(context, "app", "small.txt"), "small\n");
      const lease = await store.leases.create();
      const solver = new Solver({ store, lease: lease.id, progress: ProgressReporter.root(undefined), sourceDateEpoch: 1_700_000_000 });
      const solved = await solver.solve(copy(scratch(), { from: local(context), sources: ["."], dest: "/srv/", description: "COPY . /srv/" }));
      const layer = solved.ref.layers[0]!;

      const layout = join(dir, "layout");
      await writeTestLayout(store, solved.ref, layout, "v1");
      const bundle = join(dir, "bundle");
      const rootless = process.getuid?.() !== 0;
      execFileSync("umoci", ["unpack", ...(rootless ? ["--rootless"] : []), "--image", `${layout}:v1`, bundle], { stdio: "pipe" });
      expect((await readFile(join(bundle, "rootfs", "srv", "app", "bundle.js"))).equals(big)).toBe(true);
      expect(await readFile(join(bundle, "rootfs", "srv", "app", "small.txt"), "utf8")).toBe("small\n");

      // skopeo checks the blob's digest, then decompresses it (containers/image) into dir:.
      const out = join(dir, "skopeo-dir");
      execFileSync("skopeo", ["copy", "--dest-decompress", `oci:${layout}:v1`, `dir:${out}`], { stdio: "pipe" });
      const tars = [];
      for (const name of await readdir(out)) {
        const bytes = await readFile(join(out, name));
        if (`sha256:${createHash("sha256").update(bytes).digest("hex")}` === layer.diffID) tars.push(name);
      }
      expect(tars).toHaveLength(1);
      await store.leases.release(lease.id);
    });
  });
});

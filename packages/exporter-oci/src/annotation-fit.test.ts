import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ociExporter } from "./oci-exporter.js";

// The check itself is unit-tested in @exp/image-writer; this proves the exporter runs it on the
// built source and writes nothing when it fails.
describe("oci exporter: annotations that do not fit the built image (BuildKit's writer.go)", () => {
  let dir: string;
  let store: ContentStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-oci-annotation-fit-"));
    store = await openContentStore(join(dir, "store"));
    await mkdir(join(dir, "context"), { recursive: true });
    await writeFile(join(dir, "context", "a.txt"), "a\n");
    await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function exportWith(attrs: Record<string, string>, platforms = [{ os: "linux", architecture: "amd64" }]) {
    const built = await buildImage({ context: join(dir, "context"), store, platforms });
    try {
      return await runExport({ source: built.source, exporters: [ociExporter.resolve({ tar: "false", ...attrs })], store });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  it("fails an amd64 build given annotation-manifest[linux/arm64], and writes no layout", async () => {
    const dest = join(dir, "arm64-on-amd64");
    await expect(exportWith({ dest, "annotation-manifest[linux/arm64].k": "v" })).rejects.toThrow(/invalid annotation: no platform linux\/arm64 found in source/);
    await expect(readFile(join(dest, "index.json"))).rejects.toThrow(/ENOENT/);
  });

  it("fails a single-platform export given annotation-index-descriptor, instead of replacing the manifest descriptor's annotations", async () => {
    const dest = join(dir, "index-descriptor");
    await expect(exportWith({ dest, "annotation-index-descriptor.k": "idx", "annotation-manifest-descriptor.m": "mfst" })).rejects.toThrow(/index annotations not supported for single platform export/);
    const kept = join(dir, "manifest-descriptor");
    await exportWith({ dest: kept, "annotation-manifest-descriptor.m": "mfst" });
    const index = JSON.parse(await readFile(join(kept, "index.json"), "utf8"));
    expect(index.manifests[0].annotations).toMatchObject({ m: "mfst" });
  });

  it("takes a platform annotation of a built platform of a multi-platform build", async () => {
    const dest = join(dir, "multi");
    await exportWith({ dest, "annotation-manifest[linux/arm64].k": "arm", "annotation-index-descriptor.i": "x" }, [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    const index = JSON.parse(await readFile(join(dest, "index.json"), "utf8"));
    expect(index.manifests[0].annotations).toMatchObject({ i: "x" });
    const rootIndex = JSON.parse(await readFile(join(dest, "blobs", ...index.manifests[0].digest.split(":")), "utf8"));
    const arm = rootIndex.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === "arm64");
    const manifest = JSON.parse(await readFile(join(dest, "blobs", ...arm.digest.split(":")), "utf8"));
    expect(manifest.annotations).toEqual({ k: "arm" });
  });
});

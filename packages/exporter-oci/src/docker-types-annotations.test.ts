import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { manifest, readOciArtifact, rootDescriptor } from "@exp/testing";
import { dockerExporter, ociExporter } from "./oci-exporter.js";

// exporter/containerimage/writer.go (Commit, commitDistributionManifest): with
// oci-mediatypes=false, manifest annotations go into the Docker manifest; only index,
// index-descriptor and manifest-descriptor annotations are refused.
describe("annotations with Docker media types (oci-mediatypes=false)", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-docker-types-annotations-"));
    await mkdir(join(dir, "context"), { recursive: true });
    await writeFile(join(dir, "context", "a.txt"), "a\n");
    await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes annotation. and annotation-manifest[.|[platform]] into the Docker manifest", async () => {
    const store = await openContentStore(join(dir, "store"));
    const built = await buildImage({ context: join(dir, "context"), store, platforms: [{ os: "linux", architecture: "amd64" }] });
    const dest = join(dir, "image.tar");
    try {
      await runExport({
        source: built.source,
        exporters: [
          dockerExporter.resolve({
            dest,
            "oci-mediatypes": "false",
            "annotation.org.example.a": "1",
            "annotation-manifest.org.example.b": "2",
            "annotation-manifest[linux/amd64].org.example.c": "3",
          }),
        ],
        store,
      });
    } finally {
      await store.leases.release(built.lease);
    }
    const artifact = await readOciArtifact(dest, "tar");
    expect(rootDescriptor(artifact).mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const read = manifest(artifact);
    expect(read.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(read.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
    expect(read.annotations).toEqual({ "org.example.a": "1", "org.example.b": "2", "org.example.c": "3" });
    // No descriptor annotation sneaks in: index.json's entry carries only what the exporter names.
    expect(rootDescriptor(artifact).annotations?.["org.example.a"]).toBeUndefined();
  });

  it.each([
    ["annotation-manifest-descriptor.org.example.k", "annotation-manifest-descriptor.org.example.k"],
    ["annotation-manifest-descriptor[linux/amd64].org.example.k", "annotation-manifest-descriptor[linux/amd64].org.example.k"],
    ["annotation-index.org.example.k", "annotation-index.org.example.k"],
    ["annotation-index-descriptor.org.example.k", "annotation-index-descriptor.org.example.k"],
  ])("refuses %s, naming it", (attr, named) => {
    for (const exporter of [ociExporter, dockerExporter]) {
      let error: unknown;
      try {
        exporter.resolve({ dest: join(dir, "refused.tar"), "oci-mediatypes": "false", [attr]: "v" });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", key: "oci-mediatypes" });
      expect((error as Error).message).toContain(`true when ${named} is set`);
    }
  });
});

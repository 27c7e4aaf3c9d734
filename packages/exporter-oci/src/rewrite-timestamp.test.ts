import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { readTar } from "@exp/tar";
import { ociExporter } from "./oci-exporter.js";

// BuildKit's rewrite-timestamp (exporter/containerimage/writer.go, rewriteRemoteWithEpoch): with
// an epoch, the layers after the base image's get every file time later than the epoch set to it.
const epoch = 1_700_000_000;
const old = new Date("2001-02-03T04:05:06Z");

describe("rewrite-timestamp", () => {
  let dir: string;
  let store: ContentStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-rewrite-ts-"));
    store = await openContentStore(join(dir, "store"));
    for (const name of ["base", "app"]) await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, "base", "base.txt"), "base, written now\n");
    await writeFile(join(dir, "base", "Dockerfile"), "FROM scratch\nCOPY base.txt /\n");
    await writeFile(join(dir, "app", "new.txt"), "written now\n");
    await writeFile(join(dir, "app", "old.txt"), "written in 2001\n");
    await utimes(join(dir, "app", "old.txt"), old, old);
    await writeFile(join(dir, "app", "Dockerfile"), `FROM oci-archive://${join(dir, "base.tar")}:v1\nCOPY new.txt old.txt /app/\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function exportOci(context: string, attrs: Record<string, string>) {
    const built = await buildImage({ context, store, buildArgs: { SOURCE_DATE_EPOCH: String(epoch) } });
    try {
      await runExport({ source: built.source, exporters: [ociExporter.resolve({ tar: "false", ...attrs })], store });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  /** Each layer's entries (name → mtime in seconds) and the config's diff_ids, read from an OCI layout. */
  async function layersOf(layout: string): Promise<{ diffIDs: string[]; mtimes: Array<Record<string, number>> }> {
    const blob = async (digest: string) => readFile(join(layout, "blobs", ...digest.split(":")));
    const index = JSON.parse((await readFile(join(layout, "index.json"))).toString());
    const manifest = JSON.parse((await blob(index.manifests[0].digest)).toString());
    const config = JSON.parse((await blob(manifest.config.digest)).toString());
    const mtimes: Array<Record<string, number>> = [];
    for (const layer of manifest.layers as Array<{ digest: string }>) {
      const entries: Record<string, number> = {};
      for await (const { header } of readTar(Readable.from([await blob(layer.digest)]).pipe(createGunzip()))) entries[header.name] = header.mtimeMs / 1000;
      mtimes.push(entries);
    }
    return { diffIDs: config.rootfs.diff_ids, mtimes };
  }

  it("clamps later file times in the build's layers, keeps earlier ones and the base image's layers; without it the times stay", async () => {
    await exportOci(join(dir, "base"), { dest: join(dir, "base.tar"), tar: "true", name: "base:v1" });
    await exportOci(join(dir, "app"), { dest: join(dir, "kept") });
    await exportOci(join(dir, "app"), { dest: join(dir, "rewritten"), "rewrite-timestamp": "true" });
    const kept = await layersOf(join(dir, "kept"));
    const rewritten = await layersOf(join(dir, "rewritten"));

    expect(kept.mtimes[1]!["app/new.txt"]).toBeGreaterThan(epoch);
    expect(rewritten.mtimes[1]!["app/new.txt"]).toBe(epoch);
    expect(rewritten.mtimes[1]!["app/"]).toBeLessThanOrEqual(epoch);
    expect(rewritten.mtimes[1]!["app/old.txt"]).toBe(old.getTime() / 1000);
    expect(rewritten.diffIDs[1]).not.toBe(kept.diffIDs[1]);
    // The base's layer is the base's, its file time later than the epoch all the same.
    expect(rewritten.diffIDs[0]).toBe(kept.diffIDs[0]);
    expect(rewritten.mtimes[0]!["base.txt"]).toBeGreaterThan(epoch);
  });

  it("warns and changes nothing when there is no epoch, as BuildKit", async () => {
    const built = await buildImage({ context: join(dir, "base"), store });
    const warnings: string[] = [];
    try {
      await runExport({ source: built.source, exporters: [ociExporter.resolve({ dest: join(dir, "no-epoch"), tar: "false", "rewrite-timestamp": "true" })], store, onProgress: (event) => void (event.type === "warning" && warnings.push(event.message)) });
    } finally {
      await store.leases.release(built.lease);
    }
    expect(warnings.join("\n")).toContain("rewrite-timestamp is specified, but no source-date-epoch was found");
    expect((await layersOf(join(dir, "no-epoch"))).mtimes[0]!["base.txt"]).toBeGreaterThan(epoch);
  });
});

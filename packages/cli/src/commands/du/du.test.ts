import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { fixture, pluginType, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;

/** Two images kept in the store and one build that only wrote a report: images, cache, history. */
beforeEach(async () => {
  fx = await fixture();
  for (const name of ["a", "b"]) expect((await run(["build", fx.context, "-t", `r.example/${name}:1`, "--root", fx.store])).code).toBe(0);
  // With an SBOM, whose kept scans (exp.sbom/ roots) are cache records too.
  expect((await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--sbom=true"])).code).toBe(0);
});
afterEach(() => fx.cleanup());

interface Row {
  type: string;
  name: string;
  count: number;
  blobs: number;
  bytes: number;
  uniqueBlobs: number;
  uniqueBytes: number;
}

const du = async () => {
  const result = await run(["du", "--root", fx.store, "--format", "json"]);
  expect(result).toMatchObject({ code: 0, stderr: "" });
  return JSON.parse(result.stdout) as { holders: Row[]; blobs: number; bytes: number; reclaimableBlobs: number; reclaimableBytes: number; images: number; cacheRecords: number; historyRecords: number };
};

describe("exp du", () => {
  it("attributes every blob to what holds it: each image by name, the build cache, file hashes, history", async () => {
    const json = await du();
    expect(json.holders.map((h) => [h.type, h.name])).toEqual([
      ["image", "r.example/a:1"],
      ["image", "r.example/b:1"],
      // Two COPY layers and the kept SBOM scan of the image.
      ["regular", "build cache (3 records)"],
      ["source.local", "build context file hashes"],
      ["history", "build history (3 records)"],
      ["unreferenced", "nothing (exp prune removes these)"],
    ]);
    // Every root the solver writes is one du knows (no "root" row of unknown holders).
    const usage = await (await openContentStore(fx.store)).du();
    expect(json).toMatchObject({ blobs: usage.blobs, bytes: usage.bytes, reclaimableBlobs: usage.reclaimableBlobs, images: 2, cacheRecords: 3, historyRecords: 3 });
    const [a, b, cache, hashes, history, unreferenced] = json.holders as [Row, Row, Row, Row, Row, Row];
    // The two images share their layers, and their build records hold them too: nothing is unique to one image.
    expect(a).toMatchObject({ count: 1, uniqueBytes: 0 });
    expect(b.bytes).toBe(a.bytes);
    // Each COPY record holds its record and its layer; the kept scan, its one blob.
    expect(cache).toMatchObject({ count: 3, blobs: 5 });
    expect(hashes).toMatchObject({ count: 1, blobs: 1 });
    expect(history.count).toBe(3);
    expect(unreferenced).toMatchObject({ blobs: 0, bytes: 0 });
    // Each blob is in the total once, so what only one row holds never adds up to more than the total.
    expect(json.holders.reduce((n, h) => n + h.uniqueBytes, 0)).toBeLessThanOrEqual(json.bytes);

    const table = await run(["du", "--root", fx.store]);
    expect(table.stdout).toMatch(/^TYPE\s+HELD BY\s+BLOBS\s+SIZE\s+UNIQUE\s+LAST USED$/m);
    expect(table.stdout).toMatch(/^image\s+r\.example\/a:1\s+4\s+\S+B\s+0B\s+\d+ seconds? ago$/m);
    expect(table.stdout).toMatch(new RegExp(`^Total:\\s+${usage.blobs} blobs, \\S+B\\nReclaimable:\\s+0 blobs, 0B \\(exp prune\\)\\nIngesting:\\s+0B\\n$`, "m"));
  });

  it("shows what keeps blobs after prune -a: the images, until exp image rm removes them", async () => {
    expect((await run(["prune", "-a", "-f", "--root", fx.store])).code).toBe(0);
    const after = await du();
    expect(after.holders.map((h) => h.type)).toEqual(["image", "image", "unreferenced"]);
    expect(after.blobs).toBeGreaterThan(0);
    // The images share their layers; each has its own manifest and config.
    expect(after.holders[0]!.bytes + after.holders[1]!.uniqueBytes).toBe(after.bytes);

    expect(await run(["image", "rm", "r.example/a:1", "r.example/b:1", "--root", fx.store])).toMatchObject({ code: 0, stdout: "Untagged: r.example/a:1\nUntagged: r.example/b:1\n" });
    const released = await du();
    expect(released).toMatchObject({ reclaimableBlobs: after.blobs, reclaimableBytes: after.bytes });
    expect((await run(["prune", "-f", "--root", fx.store])).stdout).toContain(`Deleted blobs: ${after.blobs}\n`);
    expect(await du()).toMatchObject({ blobs: 0, bytes: 0 });
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { FsSource } from "@exp/solver";
import { scanFilesystem } from "../scan.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { contentStoreScanCache, type CachedScan, type ScanCache } from "./scan-cache.js";

const created = new Date("2024-06-01T00:00:00Z");
const files = {
  "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
  "var/lib/dpkg/status": "Package: a\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n",
  "srv/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
};

/** A filesystem that counts its listings: a cache hit lists nothing. */
function counted(fs: FsSource): FsSource & { lists: number } {
  const source = {
    lists: 0,
    list: async (options?: Parameters<FsSource["list"]>[0]) => {
      source.lists++;
      return fs.list(options);
    },
    open: fs.open.bind(fs),
  };
  return source;
}

function memoryCache(): ScanCache & { entries: Map<string, CachedScan> } {
  const entries = new Map<string, CachedScan>();
  return { entries, get: async (key) => structuredClone(entries.get(key)), put: async (key, scan) => void entries.set(key, structuredClone(scan)) };
}

describe("a scan cache", () => {
  it("gives the same document without reading the filesystem again, with this scan's name and date", async () => {
    const store = memoryCache();
    const fs = counted(memoryFs(files));
    const first = await scanFilesystem(fs, { name: "img:1", created, cache: { store, identity: "sha256:aa" } });
    const again = await scanFilesystem(fs, { name: "img:1", created, cache: { store, identity: "sha256:aa" } });
    expect(fs.lists).toBe(1);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    const renamed = await scanFilesystem(fs, { name: "img:2", created: new Date("2025-01-01T00:00:00Z"), cache: { store, identity: "sha256:aa" } });
    expect(fs.lists).toBe(1);
    expect(renamed.document.name).toBe("img:2");
    expect(renamed.document.creationInfo.created).toBe("2025-01-01T00:00:00Z");
    expect(renamed.document.packages.map((p) => p.name)).toEqual(first.document.packages.map((p) => p.name).map((n) => (n === "img:1" ? "img:2" : n)));
  });

  it("scans again for other content, other catalogers, or refresh (--no-cache), which replaces the entry", async () => {
    const store = memoryCache();
    const fs = counted(memoryFs(files));
    await scanFilesystem(fs, { name: "img", created, cache: { store, identity: "sha256:aa" } });
    await scanFilesystem(fs, { name: "img", created, cache: { store, identity: "sha256:bb" } });
    await scanFilesystem(fs, { name: "img", created, catalogers: ["npm"], cache: { store, identity: "sha256:aa" } });
    expect(fs.lists).toBe(3);
    expect(store.entries.size).toBe(3);
    const changed = counted(memoryFs({ ...files, "srv/node_modules/is-odd/package.json": JSON.stringify({ name: "is-odd", version: "3.0.1" }) }));
    const refreshed = await scanFilesystem(changed, { name: "img", created, cache: { store, identity: "sha256:aa", refresh: true } });
    expect(changed.lists).toBe(1);
    expect(refreshed.document.packages.map((p) => p.name)).toContain("is-odd");
    const hit = await scanFilesystem(counted(memoryFs(files)), { name: "img", created, cache: { store, identity: "sha256:aa" } });
    expect(hit.document.packages.map((p) => p.name)).toContain("is-odd");
  });

  it("refuses a cache without an identity", async () => {
    await expect(scanFilesystem(memoryFs(files), { name: "img", created, cache: { store: memoryCache(), identity: "" } })).rejects.toMatchObject({ code: "ERR_SBOM_OPTION" });
  });
});

describe("contentStoreScanCache", () => {
  let dir: string;
  let store: ContentStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-sbom-cache-"));
    store = await openContentStore(join(dir, "store"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps a scan under a root exp.sbom/<key>, read back equal", async () => {
    const cache = contentStoreScanCache(store);
    const scan: CachedScan = { found: [{ type: "npm", name: "left-pad", version: "1.3.0", purl: "pkg:npm/left-pad@1.3.0", licenses: [], locations: ["a"], foundBy: "x", files: [] }], warnings: [] };
    expect(await cache.get("k1")).toBeUndefined();
    await cache.put("k1", scan);
    expect(await cache.get("k1")).toEqual(scan);
    expect((await store.roots.list()).map((r) => r.name)).toEqual(["exp.sbom/k1"]);
  });

  it("takes an entry it cannot read for a miss", async () => {
    const cache = contentStoreScanCache(store);
    const junk = await store.writeBlob('{"found": "not a list"}');
    await store.roots.set("exp.sbom/k2", { mediaType: "application/json", digest: junk.digest, size: junk.size });
    expect(await cache.get("k2")).toBeUndefined();
  });

  it("does not fail the scan when the store cannot keep it", async () => {
    const readOnly = await openContentStore(store.root, { readOnly: true });
    const cache = contentStoreScanCache(readOnly);
    await expect(cache.put("k3", { found: [], warnings: [] })).resolves.toBeUndefined();
    expect(await cache.get("k3")).toBeUndefined();
  });
});

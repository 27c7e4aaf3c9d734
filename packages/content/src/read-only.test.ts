import { spawn } from "node:child_process";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { filesUnder, tempRoots } from "./__fixtures__/helpers.js";
import { NotAStoreError, ReadOnlyStoreError } from "./errors.js";
import { Layout } from "./layout.js";
import { openContentStore } from "./store.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

/** Every path below `dir` (files and directories) with its mtime: what "changed nothing" compares. */
async function snapshot(dir: string): Promise<Array<[string, number]>> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(entries.sort().map(async (e): Promise<[string, number]> => [e, (await stat(join(dir, e))).mtimeMs]));
}

describe("openContentStore({ readOnly: true })", () => {
  it("refuses a root that holds no store, naming it and what is there, and creates nothing", async () => {
    const root = await roots.make();
    const parent = dirname(root);
    const cases: Array<{ setup: () => Promise<void>; code: string; message: string }> = [
      { setup: async () => {}, code: "ERR_STORE_NOT_FOUND", message: `${root} is not a content store: it does not exist` },
      { setup: () => writeFile(root, "x"), code: "ERR_STORE_NOT_A_DIRECTORY", message: `${root} is not a content store: it is not a directory` },
      { setup: () => mkdir(root), code: "ERR_NOT_A_STORE", message: `${root} is not a content store: it is an empty directory` },
      {
        setup: async () => {
          await mkdir(join(root, "src"), { recursive: true });
          for (const name of ["Dockerfile", "a", "b", "c", "d"]) await writeFile(join(root, name), "");
        },
        code: "ERR_NOT_A_STORE",
        message: `${root} is not a content store: it has no blobs/ directory (it holds Dockerfile, a, b, c, d, and 1 more)`,
      },
    ];
    for (const { setup, code, message } of cases) {
      await rm(root, { recursive: true, force: true });
      await setup();
      const before = await snapshot(parent);
      for (const options of [{ readOnly: true }, { create: false }]) {
        const error = await openContentStore(root, options).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotAStoreError);
        expect(error).toMatchObject({ code, message, path: root });
      }
      expect(await snapshot(parent)).toEqual(before);
    }
  });

  it("writes nothing: leaves a dead writer's ingest and lease trash, and a stale label index, as they are", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    await store.writeBlob("labelled", { labels: { "exp.io/test": "yes" } });
    const layout = new Layout(root);
    const dead = await deadPid();
    await writeFile(join(layout.ingestDir, `${dead}-0123456789abcdef`), "half");
    await mkdir(join(layout.trashDir, `${dead}-0123456789abcdef`));
    await rm(layout.labelIndexMarker);
    await rm(join(root, "meta", "labels"), { recursive: true });
    const before = await snapshot(root);

    const readOnly = await openContentStore(root, { readOnly: true });
    expect(readOnly.readOnly).toBe(true);
    // The index is gone: a read-only findByLabel reads the records instead of rebuilding it.
    expect((await readOnly.findByLabel("exp.io/test", "yes")).map((b) => b.size)).toEqual([8]);
    expect(await readOnly.du()).toMatchObject({ blobs: 1, ingestBytes: 4 });
    expect(await snapshot(root)).toEqual(before);

    // A writable open tidies up and rebuilds, as before.
    await openContentStore(root);
    expect(await readdir(layout.ingestDir)).toEqual([]);
    expect(await readdir(layout.trashDir)).toEqual([]);
    expect(await filesUnder(join(root, "meta", "labels"))).toContain(".version");
  });

  it("rejects every write with ERR_STORE_READ_ONLY before touching anything", async () => {
    const root = await roots.make();
    const writable = await openContentStore(root);
    const blob = await writable.writeBlob("kept");
    await writable.roots.set("image/a", { mediaType: "application/octet-stream", digest: blob.digest, size: blob.size });
    await writable.history.put({ id: "b1", createdAt: new Date(), results: [] });
    const lease = await writable.leases.create({ heldByProcess: false });
    const before = await snapshot(root);

    const store = await openContentStore(root, { readOnly: true });
    const writes: Array<[string, () => Promise<unknown>]> = [
      ["ingest", () => store.ingest((async function* () {})())],
      ["writeBlob", () => store.writeBlob("new")],
      ["setLabels", () => store.setLabels(blob.digest, { a: "b" })],
      ["delete", () => store.delete(blob.digest)],
      ["gc", () => store.gc()],
      ["prune", () => store.prune()],
      ["leases.create", () => store.leases.create()],
      ["leases.addResource", () => store.leases.addResource(lease.id, blob.digest)],
      ["leases.removeResource", () => store.leases.removeResource(lease.id, blob.digest)],
      ["leases.release", () => store.leases.release(lease.id)],
      ["history.put", () => store.history.put({ id: "b2", createdAt: new Date(), results: [] })],
      ["history.delete", () => store.history.delete("b1")],
      ["roots.set", () => store.roots.set("image/b", { mediaType: "application/octet-stream", digest: blob.digest, size: blob.size })],
      ["roots.delete", () => store.roots.delete("image/a")],
    ];
    for (const [name, write] of writes) {
      const error = await write().catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ReadOnlyStoreError);
      expect(isExpError(error, "ERR_STORE_READ_ONLY"), name).toBe(true);
      expect((error as Error).message, name).toContain(`the content store at ${root} was opened read-only`);
    }
    expect(await snapshot(root)).toEqual(before);
    // Reads work, and reading a root does not mark it used.
    const rootFile = new Layout(root).rootPath("image/a");
    const old = new Date(Date.now() - 3_600_000);
    await utimes(rootFile, old, old);
    const stamped = await snapshot(root);
    expect(await store.roots.get("image/a")).toMatchObject({ digest: blob.digest });
    expect((await store.history.list()).map((r) => r.id)).toEqual(["b1"]);
    expect(await store.readAll(blob.digest)).toEqual(Buffer.from("kept"));
    expect(await snapshot(root)).toEqual(stamped);
  });
});

describe("openContentStore({ create: false })", () => {
  it("opens an existing store and tidies it like a normal open", async () => {
    const root = await roots.make();
    await openContentStore(root);
    const dead = await deadPid();
    await writeFile(join(root, "ingest", `${dead}-0123456789abcdef`), "half");
    const store = await openContentStore(root, { create: false });
    expect(store.readOnly).toBe(false);
    expect(await readdir(join(root, "ingest"))).toEqual([]);
  });
});

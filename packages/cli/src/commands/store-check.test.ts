import { spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
let buildId: string;
const image = "r.example/app:1";

/** A real build into a fresh store: the image is kept under a root, the build in the history. */
async function build(): Promise<{ code: number; stderr: string }> {
  const meta = join(fx.dir, "meta.json");
  const result = await run(["build", fx.context, "-t", image, "--root", fx.store, "--metadata-file", meta]);
  if (result.code === 0) buildId = JSON.parse(await readFile(meta, "utf8"))["exp.build.ref"];
  return result;
}

beforeEach(async () => {
  fx = await fixture();
  expect((await build()).code).toBe(0);
});
afterEach(() => fx.cleanup());

/** The manifest the image root names, and the manifest document. */
async function manifest(): Promise<{ descriptor: Descriptor; layers: Descriptor[] }> {
  const store = await openContentStore(fx.store);
  const descriptor = (await store.roots.get(`image/${image}`))!;
  const document = JSON.parse((await store.readAll(descriptor.digest)).toString("utf8")) as { layers: Descriptor[] };
  return { descriptor, layers: document.layers };
}

function blobPath(digest: Digest): string {
  return join(fx.store, "blobs", ...digest.split(":"));
}

const check = (...extra: string[]) => run(["store", "check", "--root", fx.store, ...extra]);

describe("exp store check", () => {
  it("passes the store a build left, counting its blobs and bytes", async () => {
    const usage = await (await openContentStore(fx.store)).du();
    const result = await check();
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(new RegExp(`^Checked ${usage.blobs} blobs \\(\\S+B\\) in ${fx.store}\\nFaults: 0\\n$`));
    const json = JSON.parse((await check("--format", "json")).stdout);
    expect(json).toEqual({ root: fx.store, ok: true, blobs: usage.blobs, bytes: usage.bytes, faults: [], notes: [] });
  });

  it("exits 1 with BLOB_DIGEST_MISMATCH when a layer's bytes change", async () => {
    const layer = (await manifest()).layers[0]!;
    const path = blobPath(layer.digest);
    await chmod(path, 0o644);
    const data = await readFile(path);
    const middle = data.length >> 1;
    data[middle] = data[middle]! ^ 0x01;
    await writeFile(path, data);

    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^BLOB_DIGEST_MISMATCH  blob ${path} hashes to sha256:[0-9a-f]{64}; expected ${layer.digest}`, "m"));
    expect(result.stdout).toMatch(/^Faults: 1$/m);
    expect(result.stderr).toBe(`ERROR: the content store at ${fx.store} has 1 fault\n`);
  });

  it("exits 1 with MISSING_BLOB for the image root and the history record when the manifest is deleted", async () => {
    const { descriptor } = await manifest();
    await rm(blobPath(descriptor.digest));
    const result = await check("--format", "json");
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(false);
    expect(json.faults.map((f: { code: string; digest: string }) => [f.code, f.digest])).toEqual([
      ["MISSING_BLOB", descriptor.digest],
      ["MISSING_BLOB", descriptor.digest],
    ]);
    const messages = json.faults.map((f: { message: string }) => f.message).join("\n");
    expect(messages).toContain(`history record "${buildId}" names ${descriptor.digest}`);
    expect(messages).toContain(`root "image/${image}" names ${descriptor.digest}`);
  });

  it("exits 1 with MISSING_BLOB for a layer the stored image reaches", async () => {
    const { descriptor, layers } = await manifest();
    await rm(blobPath(layers[0]!.digest));
    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`MISSING_BLOB  root "image/${image}" reaches ${layers[0]!.digest} through ${descriptor.mediaType} ${descriptor.digest}, which is not in the store`);
  });

  it("exits 1 with BAD_METADATA for a truncated history record", async () => {
    const path = join(fx.store, "meta", "history", `${buildId}.json`);
    await truncate(path, (await stat(path)).size >> 1);
    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^BAD_METADATA  content store metadata ${path} is corrupt: not valid JSON`, "m"));
  });

  it("passes what a killed writer leaves (notes only), and the same build then runs again", async () => {
    const dead = await deadPid();
    const ingestTemp = join(fx.store, "ingest", `${dead}-0123456789abcdef`);
    const historyTemp = join(fx.store, "meta", "history", `.x_json.${dead}-0123456789abcdef.tmp`);
    await writeFile(ingestTemp, "half a layer");
    await writeFile(historyTemp, '{"id":');
    const result = await check();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`note: temp files left by writers that died (openContentStore or gc removes them): 2 (e.g. ${ingestTemp})`);
    // The check is read-only: the dead ingest is still there, and the next build's open removes it.
    expect(await readdir(join(fx.store, "ingest"))).toEqual([`${dead}-0123456789abcdef`]);
    expect((await build()).code).toBe(0);
    expect(await readdir(join(fx.store, "ingest"))).toEqual([]);
    expect((await check()).code).toBe(0);
  });

  it("notes the temp file of a push lock a killed build was taking, and exp prune removes it", async () => {
    const dead = await deadPid();
    const locks = join(fx.store, "locks", "push");
    await mkdir(locks, { recursive: true });
    const temp = join(locks, `.${"cd".repeat(32)}.lock.${dead}-0123456789abcdef.tmp`);
    await writeFile(temp, `${dead} host 0123456789abcdef`);
    const result = await check();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`note: lock temp files left by processes killed while taking a lock (exp prune removes them): 1 (${temp})`);
    expect(await readdir(locks)).toHaveLength(1); // read-only: still there

    const pruned = await run(["prune", "-f", "--root", fx.store]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("Lock temp files of killed builds removed: 1\n");
    expect(await readdir(locks)).toEqual([]);
    const again = await check("--format", "json");
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, notes: [] });
  });

  it("passes a store that does not exist yet (a build killed before creating it) with a note, without creating it; refuses a file", async () => {
    const missing = join(fx.dir, "no-store");
    const result = await run(["store", "check", "--root", missing]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe(`Checked 0 blobs (0B) in ${missing}\nnote: no content store at ${missing} yet (nothing to check; pass --root or set EXP_ROOT if it is elsewhere)\nFaults: 0\n`);
    await expect(stat(missing)).rejects.toMatchObject({ code: "ENOENT" });
    // So is an empty directory (a build killed between creating the root and its first entry).
    await mkdir(missing);
    expect((await run(["store", "check", "--root", missing])).stdout).toContain(`note: no content store at ${missing} yet`);
    expect(await readdir(missing)).toEqual([]);
    const file = join(fx.dir, "a-file");
    await writeFile(file, "");
    expect(await run(["store", "check", "--root", file])).toMatchObject({
      code: 1,
      stderr: `ERROR: ${file} is not a content store: it is not a directory; pass the --root (or set the EXP_ROOT) that exp build used; the first build creates the store\n`,
    });
  });
});

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

import { mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { updateLayoutIndex } from "./layout-dir.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-layout-dir-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const entry: Descriptor = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"a".repeat(64)}` as Digest, size: 2 };

describe("updateLayoutIndex", () => {
  it("starts an empty index only where index.json does not exist", async () => {
    const seen: Descriptor[][] = [];
    await updateLayoutIndex(dir, (entries) => (seen.push(entries), [entry]), { signal: AbortSignal.timeout(10_000) });
    expect(seen).toEqual([[]]);
    expect(JSON.parse(await readFile(join(dir, "index.json"), "utf8")).manifests).toEqual([entry]);
  });

  it("refuses an index.json it cannot read (a symlink loop) instead of writing over it as empty", async () => {
    await symlink("index.json", join(dir, "index.json"));
    let called = false;
    const error = await updateLayoutIndex(dir, () => ((called = true), [entry]), { signal: AbortSignal.timeout(10_000) }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_FILE_ACCESS")).toBe(true);
    expect((error as Error).message).toContain(`${join(dir, "index.json")}: ELOOP`);
    expect(called).toBe(false);
    expect(await readlink(join(dir, "index.json"))).toBe("index.json");
  });

  it("keeps an unparsable index.json's error (it is there: never read as empty)", async () => {
    await writeFile(join(dir, "index.json"), "{");
    await expect(updateLayoutIndex(dir, () => [entry], { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
    expect(await readFile(join(dir, "index.json"), "utf8")).toBe("{");
  });
});

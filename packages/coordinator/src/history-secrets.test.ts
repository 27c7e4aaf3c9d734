import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { isExpError } from "@exp/errors";
import type { ExportSource } from "@exp/solver";
import { runExport } from "./run-export.js";
import { fakeImageExporter, type EventLog } from "./testing/fake-exporters.js";
import { randomSource } from "./testing/random-source.js";

// Issue 17 point 3: a library caller (no CLI to rewrite the record afterwards) must find no secret
// in the store's history, whatever the failing exporter's error carried.
let dir: string;
let store: ContentStore;
let source: ExportSource;
let log: EventLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-history-secrets-"));
  store = await openContentStore(join(dir, "store"));
  source = await randomSource(dir, [10_000]);
  log = { events: [] };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const BUILD_ARG = "s3cr3t-build-arg-value";
const PASSWORD = "hunter2-registry-pass";

/** Every file under the store, as text: a secret must be in none of them. */
async function storeText(): Promise<string> {
  const root = join(dir, "store");
  const files = await readdir(root, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), "latin1")));
  return texts.join("\n");
}

describe("runExport's history record, written by the library alone", () => {
  it("masks the secrets the caller declares and credential-looking text before writing", async () => {
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async () => {
        throw new Error(`push to https://user:${PASSWORD}@registry.example/v2/app failed: build arg TOKEN=${BUILD_ARG} rejected (Authorization: Bearer abcdef0123456789)`);
      },
    });
    const failure = (await runExport({ source, exporters: [image], store, buildId: "lib-build", secrets: [BUILD_ARG, PASSWORD] }).catch((e: unknown) => e)) as Error;
    // The caller still gets the error as it was: only what is written is masked.
    expect(failure.message).toContain(BUILD_ARG);
    const record = await store.history.get("lib-build");
    expect(record?.error).toBe("push to https://user:****@registry.example/v2/app failed: build arg TOKEN=**** rejected (Authorization: Bearer ****"); // the pattern masks up to the next space
    const text = await storeText();
    for (const secret of [BUILD_ARG, PASSWORD, "abcdef0123456789"]) expect(text, secret).not.toContain(secret);
  });

  it("masks credential-looking text even with no secret declared", async () => {
    const image = fakeImageExporter({ id: "image", log, push: async () => Promise.reject(new Error(`GET https://registry.example/token?access_token=${PASSWORD}: 401`)) });
    await runExport({ source, exporters: [image], store, buildId: "lib-build-2" }).catch(() => undefined);
    expect((await store.history.get("lib-build-2"))?.error).toBe("GET https://registry.example/token?access_token=**** 401");
  });

  it("refuses secrets that are not strings, naming the bad value", async () => {
    const image = fakeImageExporter({ id: "image", log, push: async () => {} });
    const error = await runExport({ source, exporters: [image], store, secrets: ["ok", 42 as unknown as string] }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_INVALID_OPTION")).toBe(true);
    expect((error as Error).message).toBe('runExport: invalid value "42" for "secrets[1]"; expected a string (a password, a token, a secret build arg\'s value)');
  });
});

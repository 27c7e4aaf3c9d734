import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { BadInputCase } from "./support/corpus.js";
import { editedCache, loadLocalCache, type CacheEdit } from "./support/cache-dir.js";
import type { Sandbox } from "./support/sandbox.js";

// Local caches whose documents are invalid, over-size or not what their digests say. Importing
// one is never fatal (BuildKit: a failed import is "no cache", with a warning), so the CLI case
// asserts the warning and an untouched sandbox (the cache read is never written), and `direct`
// asserts the importer's typed error. Exporting into a broken cache directory fails and keeps it.

const importing = (edit: CacheEdit) => async (sb: Sandbox) => void (await editedCache(sb, edit));

/** A --cache-from case: the build succeeds without the cache and warns; load() rejects with `code`. */
function importCase(name: string, edit: CacheEdit, code: string, warning: RegExp): BadInputCase {
  return {
    name,
    setup: importing(edit),
    argv: (sb) => ["build", sb.context, "--cache-from", `type=local,src=${sb.path("cache-in")}`, "-o", `type=local,dest=${sb.fresh}`],
    exit: 0,
    code,
    message: [new RegExp(`--cache-from type=local: ${warning.source}.*; building without this cache`)],
    direct: (sb) => loadLocalCache(sb, sb.path("cache-in")),
    verify: async (sb) => expect(await readFile(join(sb.fresh, "a.txt"), "utf8")).toBe("a\n"),
  };
}

type Records = Array<{ digest: string; inputs?: Array<Array<{ link: number }>>; layers?: Array<{ layer: number }> }>;

export const cacheConfigCases: BadInputCase[] = [
  importCase("an index.json that is not JSON", { index: () => "{oops" }, "ERR_INVALID_DOCUMENT", /invalid image layout index\.json: not valid JSON/),
  importCase("a cache manifest that is not JSON", { manifest: () => Buffer.from("not json at all") }, "ERR_INVALID_CACHE_MANIFEST", /invalid cache manifest sha256:[0-9a-f]{64} in .*cache-in: not JSON/),
  importCase("a cache manifest that is JSON null", { manifest: () => null }, "ERR_INVALID_CACHE_MANIFEST", /invalid cache manifest sha256:[0-9a-f]{64} in .*cache-in: not a JSON object/),
  importCase("a cache config that is not JSON", { config: () => Buffer.from("{records:") }, "ERR_INVALID_CACHE_CONFIG", /invalid BuildKit cache config: not JSON/),
  importCase(
    "a cache config over 1 MiB",
    { config: (c) => Buffer.from(JSON.stringify(c) + " ".repeat(1024 * 1024)) },
    "ERR_INVALID_CACHE_CONFIG",
    /invalid BuildKit cache config: sha256:[0-9a-f]{64} is 10\d{5} bytes, over BuildKit's 1048576-byte limit/,
  ),
  importCase(
    "a cache config whose bytes are not its digest",
    { config: (c) => ({ ...c, records: [] }), configKeepsDigest: true },
    "ERR_DIGEST_MISMATCH",
    /application\/vnd\.buildkit\.cacheconfig\.v0 in .*cache-in: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}/,
  ),
  importCase(
    "a cache config whose layers form a cycle",
    {
      config: (c) => {
        const layers = c.layers as Array<{ parent?: number }>;
        layers[0]!.parent = 1;
        layers[1]!.parent = 0;
        return c;
      },
    },
    "ERR_INVALID_CACHE_CONFIG",
    /invalid BuildKit cache config: layers\[0\] has a parent cycle/,
  ),
  importCase(
    "a cache config record linking to a record that does not exist",
    {
      config: (c) => {
        (c.records as Records)[0]!.inputs = [[{ link: 99 }]];
        return c;
      },
    },
    "ERR_INVALID_CACHE_CONFIG",
    /invalid BuildKit cache config: records\[0\] links to record 99, which does not exist/,
  ),
  importCase(
    "a cache config naming a blob by something that is not a digest",
    {
      config: (c) => {
        (c.layers as Array<{ blob: string }>)[0]!.blob = "sha256:../../../etc/passwd";
        return c;
      },
    },
    "ERR_INVALID_CACHE_CONFIG",
    /invalid BuildKit cache config: layers\.0\.blob: not a digest/,
  ),
  importCase(
    "a cache manifest whose config descriptor claims more than 1 MiB (refused before reading)",
    {
      manifest: (m) => {
        (m.config as { size: number }).size = 64 * 1024 * 1024;
        return m;
      },
    },
    "ERR_INVALID_CACHE_CONFIG",
    /invalid BuildKit cache config: sha256:[0-9a-f]{64} is 67108864 bytes, over BuildKit's 1048576-byte limit/,
  ),
  importCase("a cache manifest that index.json names but that is gone", { remove: ["manifest"] }, "ERR_CACHE_BLOB_MISSING", /cache .*cache-in: blob sha256:[0-9a-f]{64} \(the cache manifest\) is missing/),
  importCase("a cache config that is gone", { config: (c) => c, remove: ["config"] }, "ERR_CACHE_BLOB_MISSING", /cache .*cache-in: blob sha256:[0-9a-f]{64} \(the cache config\) is missing/),
  {
    name: "a cached layer whose bytes were changed fails the build naming the blob",
    setup: async (sb) => void (await editedCache(sb, { layer: (bytes) => Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([bytes[bytes.length - 1]! ^ 1])]) })),
    argv: (sb) => ["build", sb.context, "--cache-from", `type=local,src=${sb.path("cache-in")}`, "-o", `type=oci,dest=${sb.dest.archive}`],
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^blob sha256:[0-9a-f]{64} in .*cache-in: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/],
  },
  {
    name: "--cache-to into a cache whose index.json is not JSON (kept as it is)",
    setup: async (sb: Sandbox) => writeFile(join(sb.dest.cache, "index.json"), "{oops"),
    argv: (sb) => ["build", sb.context, "--cache-to", `type=local,dest=${sb.dest.cache}`],
    exit: 1,
    code: "ERR_INVALID_DOCUMENT",
    message: [/index\.json/],
  },
  {
    name: "--cache-to into a path that is a file",
    argv: (sb) => ["build", sb.context, "--cache-to", `type=local,dest=${sb.dest.archive}`],
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/cache exporter local: invalid value ".*image\.tar" for "dest"; expected a directory/],
    beforeBuild: true,
  },
];

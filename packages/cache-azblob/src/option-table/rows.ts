import { expect } from "vitest";
import { cacheJson, type AttrCase, type CacheArtifact, type CacheDescriptor } from "@exp/testing";
import { cacheExportRows, type CacheView } from "@exp/testing/vitest";

type Row = AttrCase<CacheArtifact>;
interface CacheConfig {
  layers: Array<{ blob: string; annotations?: { mediaType?: string; size?: number } }>;
}

/**
 * The account URL of the walk's recording proxy in front of Azurite (`http://127.0.0.1:PORT/
 * devstoreaccount1`), which exists only once the test has started it: the test puts it in place.
 */
export const PROXY_URL = "<proxy>";
/** The facts an export through the proxy adds (see the test's exportWith). */
export const THROUGH_PROXY = "requests through the proxy";
export const UPLOADS_OVERLAP = "uploads overlap";
export const UPLOADS_ONE_AT_A_TIME = "uploads one at a time";

/**
 * The walk's exports write to the container named "main" (the artifact's files are
 * `main/<blob name>`; "other" is a second container); the cache config is at
 * `<prefix>/<manifests_prefix>/<name>`, here the defaults.
 */
const MANIFEST = "main/manifests/buildkit";
const MAX = { mode: "max" };
const keys = (cache: CacheArtifact) => [...cache.files.keys()].sort();
const blobNames = (cache: CacheArtifact) => keys(cache).filter((k) => /\/sha256:[0-9a-f]{64}$/.test(k));

/** azblob has no cache manifest: the layers are the cache config's, with their annotations (exporter.go Finalize). */
export const azblobView: CacheView = {
  layers: (cache) =>
    cacheJson<CacheConfig>(cache, MANIFEST).layers.map((l): CacheDescriptor => ({ digest: l.blob, mediaType: l.annotations?.mediaType ?? "", size: l.annotations?.size ?? 0 })),
  rootMediaType: () => "application/json",
  present: (cache) => keys(cache).some((k) => k.includes("manifests/")),
};

/** Every blob moved as `move` says, no other change: the same bytes, the same facts. */
function moved(move: (key: string) => string) {
  return (without: CacheArtifact, withIt: CacheArtifact) => {
    expect(withIt.error).toBeUndefined();
    expect(without.files.has(MANIFEST)).toBe(true);
    expect(blobNames(without).length).toBeGreaterThan(0);
    expect(keys(withIt)).toEqual(keys(without).map(move).sort());
    for (const [key, bytes] of without.files) expect(withIt.files.get(move(key))?.equals(bytes)).toBe(true);
  };
}

/**
 * A row whose attribute only makes Azure refuse the export, as BuildKit's would be refused: the
 * first request (the container's properties) is answered 403, so no container is created and no
 * blob written. `code` is the error's code, the HTTP status and Azure's error code.
 */
function refused(key: string, value: string, why: string, code: string): Row {
  return {
    key,
    with: { [key]: value },
    expect: `the export fails: ${why}; nothing written`,
    differs: (without, withIt) => {
      expect(without.error).toBeUndefined();
      expect(withIt.error).toBe(code);
      expect(withIt.files.size).toBe(0);
      expect(withIt.facts).not.toContain("container main");
    },
  };
}

/**
 * The rows of BuildKit's cache/remotecache/azblob keys (getConfig in utils.go), plus mode and
 * ignore-error, which solver/llbsolver reads for every cache exporter, and exp's own
 * upload_parallelism. Variants: "proxied" goes through a proxy that holds every Put Block for a
 * moment, so uploads overlap when they may (facts "uploads overlap" or "uploads one at a time");
 * every export that went through the proxy, by variant or by account_url=PROXY_URL, has the fact
 * "requests through the proxy". Facts "container <name>" say which containers exist afterwards.
 */
export const azblobRows: readonly Row[] = [
  ...cacheExportRows(["mode", "ignore-error"], azblobView),
  ...ownRows().map((row) => ({ ...row, base: { ...MAX, ...row.base } })),
];

/** The azblob keys' own rows, each on a mode=max export (mode=min without an image exporter writes nothing). */
function ownRows(): Row[] {
  return [
    {
      key: "container",
      with: { container: "other" },
      // utils.go createContainerClient: the container is created when GetProperties says ContainerNotFound.
      expect: "the same blobs in the other container (created), none in the first",
      differs: (without, withIt) => {
        moved((key) => key.replace(/^main\//, "other/"))(without, withIt);
        expect(without.facts).toEqual(["container main"]);
        expect(withIt.facts).toEqual(["container other"]);
      },
    },
    // Every name is filepath.Join(prefix, blobs_prefix or manifests_prefix, digest or name)
    // (utils.go blobKey, manifestKey): joined with "/", empty parts dropped, the result cleaned.
    {
      key: "prefix",
      with: { prefix: "ci" },
      expect: "every blob under ci/ (joined with a slash: ci/blobs/…, ci/manifests/buildkit)",
      differs: moved((key) => key.replace(/^main\//, "main/ci/")),
    },
    {
      key: "prefix",
      with: { prefix: "./team//app/" },
      expect: "every blob under team/app/ (filepath.Join cleans the path: no ./, no doubled or trailing slash)",
      differs: moved((key) => key.replace(/^main\//, "main/team/app/")),
    },
    {
      key: "blobs_prefix",
      with: { blobs_prefix: "layers/" },
      expect: "the layer blobs under layers/ instead of blobs/ (layers/sha256:…), the cache config where it was",
      differs: moved((key) => key.replace(/^main\/blobs\//, "main/layers/")),
    },
    {
      key: "blobs_prefix",
      with: { blobs_prefix: "" },
      expect: "the layer blobs at the container's root (sha256:…): filepath.Join drops the empty part",
      differs: moved((key) => key.replace(/^main\/blobs\//, "main/")),
    },
    {
      key: "manifests_prefix",
      with: { manifests_prefix: "configs" },
      expect: "the cache config at configs/buildkit instead of manifests/buildkit, the blobs where they were",
      differs: moved((key) => key.replace(/^main\/manifests\//, "main/configs/")),
    },
    {
      key: "name",
      with: { name: "app;app-main" },
      // exporter.go Finalize: the same config uploaded under every name.
      expect: "the cache config under both names instead of buildkit, the same bytes; the blobs where they were",
      differs: (without, withIt) => {
        const config = without.files.get(MANIFEST)!;
        expect(withIt.error).toBeUndefined();
        expect(withIt.files.has(MANIFEST)).toBe(false);
        expect(withIt.files.get("main/manifests/app")?.equals(config)).toBe(true);
        expect(withIt.files.get("main/manifests/app-main")?.equals(config)).toBe(true);
        expect(blobNames(withIt)).toEqual(blobNames(without));
        expect(keys(withIt)).toEqual([...blobNames(without), "main/manifests/app", "main/manifests/app-main"].sort());
      },
    },
    {
      key: "upload_parallelism",
      with: { upload_parallelism: "1" },
      variant: "proxied",
      // exp's own key (default 4); BuildKit's Finalize uploads the layers one after another, as =1 does.
      expect: "one blob upload at a time instead of several at once, the same blobs",
      differs: (without, withIt) => {
        expect(without.facts).toContain(UPLOADS_OVERLAP);
        expect(withIt.facts).toContain(UPLOADS_ONE_AT_A_TIME);
        expect(keys(withIt)).toEqual(keys(without));
      },
    },
    {
      key: "account_url",
      with: { account_url: PROXY_URL },
      // utils.go: every request goes to account_url (a service client of that URL).
      expect: "every request sent to the proxy's URL instead of Azurite's, the same blobs written",
      differs: (without, withIt) => {
        expect(without.facts).not.toContain(THROUGH_PROXY);
        expect(withIt.facts).toContain(THROUGH_PROXY);
        expect(withIt.error).toBeUndefined();
        expect(keys(withIt)).toEqual(keys(without));
        for (const [key, bytes] of without.files) expect(withIt.files.get(key)?.equals(bytes)).toBe(true);
      },
    },
    // The shared key signs for account_name (azblob.NewSharedKeyCredential(AccountName, key)); the
    // URL's path still names Azurite's account, whose key checks the signature.
    refused("account_name", "otheraccount", "the key signs for another account than the URL's", "ERR_AZBLOB 403 AuthorizationFailure"),
    refused("secret_access_key", Buffer.from("not the account key").toString("base64"), "a signature the account's key does not match", "ERR_AZBLOB 403 AuthorizationFailure"),
  ];
}

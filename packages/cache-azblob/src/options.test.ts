import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { AttrReader } from "@exp/solver";
import { goJoin, blobName, manifestName } from "./keys.js";
import { azblobKeys, parseAzblobOptions } from "./options.js";
import { cacheExporter } from "./azblob-cache-exporter.js";
import { cacheImporter } from "./azblob-cache-importer.js";

const KEY = Buffer.from("a test key that is not a real one").toString("base64");
const parse = (attrs: Record<string, string>, env: NodeJS.ProcessEnv = {}) => parseAzblobOptions(new AttrReader("cache exporter azblob", attrs, azblobKeys), env);
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("did not throw");
};

describe("azblob options (BuildKit's cache/remotecache/azblob/utils.go)", () => {
  it("takes BuildKit's defaults: container buildkit-cache, name buildkit, blobs and manifests prefixes, account from the host", () => {
    const o = parse({ account_url: "https://myacct.blob.core.windows.net", secret_access_key: KEY });
    expect(o).toMatchObject({ accountUrl: "https://myacct.blob.core.windows.net", accountName: "myacct", container: "buildkit-cache", prefix: "", blobsPrefix: "blobs", manifestsPrefix: "manifests", names: ["buildkit"], mode: "min", ignoreError: false, uploadParallelism: 4 });
    expect(o.credential.kind).toBe("shared-key");
    expect(blobName(o, "sha256:abc")).toBe("blobs/sha256:abc");
    expect(manifestName(o, "buildkit")).toBe("manifests/buildkit");
  });

  it("reads every key", () => {
    const o = parse({ account_url: "http://127.0.0.1:10000/devstoreaccount1", account_name: "other", secret_access_key: KEY, container: "c-1", prefix: "p/", blobs_prefix: "b", manifests_prefix: "m/", name: "a;b", mode: "max", "ignore-error": "true", upload_parallelism: "2" });
    expect(o).toMatchObject({ accountName: "other", container: "c-1", prefix: "p/", blobsPrefix: "b", manifestsPrefix: "m/", names: ["a", "b"], mode: "max", ignoreError: true, uploadParallelism: 2 });
    // filepath.Join: "p/" + "m/" + "a" is p/m/a, one slash each.
    expect(manifestName(o, "a")).toBe("p/m/a");
    expect(blobName(o, "sha256:0f")).toBe("p/b/sha256:0f");
  });

  it("with no key, SAS token or connection string, authenticates with Microsoft Entra ID as BuildKit does (DefaultAzureCredential)", () => {
    expect(parse({ account_url: "https://a.blob.core.windows.net" }, {}).credential).toEqual({ kind: "entra" });
    expect(parse({ account_url: "https://a.blob.core.windows.net" }, { AZURE_STORAGE_KEY: KEY }).credential.kind).toBe("shared-key");
  });

  it("refuses a prefix that climbs out of the container, which the JS SDK would send to another container", () => {
    const base = { account_url: "http://127.0.0.1:10000/devstoreaccount1", secret_access_key: KEY, container: "mine" };
    expect(() => parse({ ...base, prefix: "../elsewhere" })).toThrow(/"\.\.\/elsewhere" for "prefix".*climbs out of mine/);
    expect(() => parse({ ...base, blobs_prefix: "../x" })).toThrow(/"\.\.\/x" for "blobs_prefix"/);
    expect(() => parse({ ...base, prefix: "a", manifests_prefix: "../../m" })).toThrow(/for "manifests_prefix"/);
    // Inside the container after cleaning: fine.
    expect(blobName(parse({ ...base, prefix: "a/../b" }), "sha256:x")).toBe("b/blobs/sha256:x");
  });

  it("joins names as Go's filepath.Join does", () => {
    expect(goJoin("", "blobs", "sha256:x")).toBe("blobs/sha256:x");
    expect(goJoin("cache", "blobs", "x")).toBe("cache/blobs/x");
    expect(goJoin("cache/", "/blobs/", "x")).toBe("cache/blobs/x");
    expect(goJoin("a//b", "./c", "x")).toBe("a/b/c/x");
    expect(goJoin("", "", "")).toBe("");
  });

  it("takes the account from the first path segment of an IP-style URL (Azurite), from the host otherwise", () => {
    expect(parse({ account_url: "http://127.0.0.1:10000/devstoreaccount1", secret_access_key: KEY }).accountName).toBe("devstoreaccount1");
    expect(parse({ account_url: "http://localhost:10000/acc2", secret_access_key: KEY }).accountName).toBe("acc2");
    expect(errorOf(() => parse({ account_url: "http://127.0.0.1:10000/", secret_access_key: KEY }))).toMatchObject({ code: "ERR_MISSING_OPTION", message: expect.stringContaining("account_name") });
  });

  it("falls back to BuildKit's BUILDKIT_AZURE_STORAGE_* variables, attributes first", () => {
    const env = { BUILDKIT_AZURE_STORAGE_ACCOUNT_URL: "https://envacct.blob.core.windows.net", BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME: "named", BUILDKIT_AZURE_STORAGE_CONTAINER: "from-env", BUILDKIT_AZURE_STORAGE_PREFIX: "envprefix", AZURE_STORAGE_KEY: KEY };
    expect(parse({}, env)).toMatchObject({ accountUrl: "https://envacct.blob.core.windows.net", accountName: "named", container: "from-env", prefix: "envprefix", credential: { kind: "shared-key" } });
    expect(parse({ account_url: "https://attr.blob.core.windows.net", account_name: "a", container: "attr-c", prefix: "" }, env)).toMatchObject({ accountName: "a", container: "attr-c", prefix: "" });
  });

  it("takes a connection string from AZURE_STORAGE_CONNECTION_STRING: its endpoint and its key or SAS", () => {
    const cs = `DefaultEndpointsProtocol=https;AccountName=csacct;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
    const o = parse({}, { AZURE_STORAGE_CONNECTION_STRING: cs });
    expect(o).toMatchObject({ accountUrl: "https://csacct.blob.core.windows.net", accountName: "csacct", credential: { kind: "shared-key" } });
    expect(o.credential.kind === "shared-key" && o.credential.accountKey.reveal()).toBe(KEY);
    const sas = parse({}, { AZURE_STORAGE_CONNECTION_STRING: "BlobEndpoint=https://s.blob.core.windows.net/;SharedAccessSignature=sv=2024&sig=SECRETSIG" });
    expect(sas).toMatchObject({ accountUrl: "https://s.blob.core.windows.net", credential: { kind: "sas" } });
    expect(parse({}, { AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" })).toMatchObject({ accountUrl: "http://127.0.0.1:10000/devstoreaccount1", accountName: "devstoreaccount1" });
    const bad = errorOf(() => parse({}, { AZURE_STORAGE_CONNECTION_STRING: "AccountName=x;AccountKey" }));
    expect(bad).toMatchObject({ code: "ERR_INVALID_OPTION", message: expect.stringContaining("AZURE_STORAGE_CONNECTION_STRING") });
  });

  it("takes a SAS token from account_url's query, keeps it out of the URL and of every message", () => {
    const o = parse({ account_url: "https://acct.blob.core.windows.net/?sv=2024-01-01&sig=VERYSECRET" });
    expect(o.accountUrl).toBe("https://acct.blob.core.windows.net");
    expect(o.credential.kind).toBe("sas");
    expect(JSON.stringify(o)).not.toContain("VERYSECRET");
    expect(inspect(o, { depth: 5 })).not.toContain("VERYSECRET");
    const bad = errorOf(() => parse({ account_url: "ftp://acct/?sig=VERYSECRET" }));
    expect(bad.message).toContain("account_url");
    expect(bad.message).not.toContain("VERYSECRET");
  });

  it("refuses bad values with typed errors naming the key and what is valid, never repeating a key", () => {
    const secret = "not base64!!";
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ account_url: "not a url", secret_access_key: KEY }, "ERR_INVALID_OPTION", /account_url.*http or https URL/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: secret }, "ERR_INVALID_OPTION", /secret_access_key.*base64/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, container: "Bad_Name" }, "ERR_INVALID_OPTION", /Bad_Name.*container.*3-63/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, container: "a--b" }, "ERR_INVALID_OPTION", /container/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, name: "a;;b" }, "ERR_INVALID_OPTION", /name.*none empty/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, mode: "all" }, "ERR_INVALID_OPTION", /mode.*min, max/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, upload_parallelism: "0" }, "ERR_INVALID_OPTION", /upload_parallelism.*from 1 to 1024/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, "ignore-error": "maybe" }, "ERR_INVALID_OPTION", /ignore-error.*true or false/],
      [{ secret_access_key: KEY }, "ERR_MISSING_OPTION", /account_url.*BUILDKIT_AZURE_STORAGE_ACCOUNT_URL/],
      [{ account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, bucket: "x" }, "ERR_UNKNOWN_OPTION", /bucket/],
    ];
    for (const [attrs, code, message] of cases) {
      const error = errorOf(() => parse(attrs));
      expect(error, JSON.stringify(attrs)).toMatchObject({ code });
      expect(error.message, JSON.stringify(attrs)).toMatch(message);
      expect(error.message).not.toContain(secret);
    }
  });

  it("resolves through the exporter and the importer alike, validating before anything runs", () => {
    const attrs = { account_url: "https://a.blob.core.windows.net", secret_access_key: KEY, mode: "max", "ignore-error": "true" };
    expect(cacheExporter.resolve(attrs)).toMatchObject({ type: "azblob", mode: "max", ignoreError: true });
    expect(cacheImporter.resolve(attrs).name).toContain("https://a.blob.core.windows.net/buildkit-cache/manifests/buildkit");
    expect(() => cacheImporter.resolve({ ...attrs, container: "X" })).toThrow(/container/);
  });
});

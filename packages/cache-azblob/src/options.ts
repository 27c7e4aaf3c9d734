import { InvalidOptionError, MissingOptionError, Secret } from "@exp/errors";
import type { AttrReader, CacheMode } from "@exp/solver";
import { accountNameOfUrl, parseConnectionString, type ConnectionString } from "./connection-string.js";
import { blobName, manifestName } from "./keys.js";

/**
 * BuildKit's azblob cache keys (cache/remotecache/azblob/utils.go), the `mode` and `ignore-error`
 * every cache backend takes, and `upload_parallelism`, which BuildKit's azblob backend does not
 * have (it uploads one layer at a time) and exp takes as its S3 backend does.
 */
export const azblobKeys = [
  "account_url",
  "account_name",
  "secret_access_key",
  "container",
  "prefix",
  "blobs_prefix",
  "manifests_prefix",
  "name",
  "mode",
  "ignore-error",
  "upload_parallelism",
] as const;

/** "entra": Microsoft Entra ID through the Azure SDK's DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI…), as BuildKit uses without a key. */
export type AzblobCredential = { kind: "shared-key"; accountKey: Secret } | { kind: "sas"; sas: Secret } | { kind: "entra" };

export interface AzblobCacheOptions {
  /** The account URL without its query (a SAS token in it is moved to `credential`). */
  accountUrl: string;
  accountName: string;
  credential: AzblobCredential;
  container: string;
  prefix: string;
  blobsPrefix: string;
  manifestsPrefix: string;
  /** Manifest names: an export writes every one, an import reads every one (BuildKit's importer.go combines them). */
  names: string[];
  uploadParallelism: number;
  mode: CacheMode;
  ignoreError: boolean;
}

// Azure's container names: 3-63 of a-z, 0-9 and '-', starting with a letter or digit, no "--".
const CONTAINER = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The rules, each from BuildKit's cache/remotecache/azblob/utils.go (getConfig) unless said:
 * - `account_url`, else $BUILDKIT_AZURE_STORAGE_ACCOUNT_URL, else (exp) the blob endpoint of
 *   $AZURE_STORAGE_CONNECTION_STRING; required.
 * - `account_name`, else $BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME, else the first label of the URL's
 *   host (the first path segment for an IP-style URL, see accountNameOfUrl).
 * - `container`, else $BUILDKIT_AZURE_STORAGE_CONTAINER, else "buildkit-cache".
 * - `prefix`, else $BUILDKIT_AZURE_STORAGE_PREFIX, else "".
 * - `manifests_prefix` "manifests", `blobs_prefix` "blobs" (joined as Go's filepath.Join, keys.ts).
 * - `name` "buildkit", several separated by ";".
 * - credentials: `secret_access_key` (the account key); then (exp) a SAS token in the account URL's
 *   query, $AZURE_STORAGE_CONNECTION_STRING's key or SAS, and $AZURE_STORAGE_KEY (the variables
 *   `az storage` reads); otherwise, as BuildKit, Microsoft Entra ID through DefaultAzureCredential
 *   (AZURE_CLIENT_ID, AZURE_TENANT_ID, …, workload and managed identity, the Azure CLI), from
 *   @azure/identity, an optional peer dependency (azblob-client.ts).
 */
export function parseAzblobOptions(reader: AttrReader, env: NodeJS.ProcessEnv = process.env): AzblobCacheOptions {
  const component = reader.component;
  const connection = env.AZURE_STORAGE_CONNECTION_STRING ? parseConnectionString(env.AZURE_STORAGE_CONNECTION_STRING, component, "AZURE_STORAGE_CONNECTION_STRING") : undefined;
  const urlText = reader.string("account_url") ?? env.BUILDKIT_AZURE_STORAGE_ACCOUNT_URL ?? connection?.accountUrl;
  if (!urlText) throw new MissingOptionError(component, "account_url", "give account_url=https://<account>.blob.core.windows.net, or set BUILDKIT_AZURE_STORAGE_ACCOUNT_URL or AZURE_STORAGE_CONNECTION_STRING");
  const url = parseAccountUrl(urlText, component);
  const accountName = reader.string("account_name") ?? env.BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME ?? accountNameOfUrl(url);
  if (!accountName) throw new MissingOptionError(component, "account_name", "the account URL names no account: give account_name=<account> or set BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME");
  const container = reader.string("container") ?? env.BUILDKIT_AZURE_STORAGE_CONTAINER ?? "buildkit-cache";
  if (!CONTAINER.test(container)) throw new InvalidOptionError(component, "container", container, "3-63 characters of a-z, 0-9 and '-', starting with a letter or digit, without '--' (Azure's container names)");
  const namesText = reader.string("name") ?? "buildkit";
  const names = namesText.split(";");
  if (names.some((n) => n === "")) throw new InvalidOptionError(component, "name", namesText, 'one or more names separated by ";", none empty');
  const credential = credentialOf(reader, url, accountName, connection, env);
  url.search = "";
  const prefix = reader.string("prefix") ?? env.BUILDKIT_AZURE_STORAGE_PREFIX ?? "";
  const blobsPrefix = reader.string("blobs_prefix") ?? "blobs";
  const manifestsPrefix = reader.string("manifests_prefix") ?? "manifests";
  for (const [key, value, under] of [
    ["blobs_prefix", blobsPrefix, blobName({ prefix, blobsPrefix }, "sha256:x")],
    ["manifests_prefix", manifestsPrefix, manifestName({ prefix, manifestsPrefix }, "x")],
  ] as const) {
    // Go's SDK escapes a blob name whole, so BuildKit keeps "../x" inside the container; the JS SDK
    // escapes each segment and the URL resolves "..": the request would reach another container.
    if (under.startsWith("../")) {
      const bad = prefix.includes("..") ? ["prefix", prefix] : [key, value];
      throw new InvalidOptionError(component, bad[0]!, bad[1]!, `a path that stays inside the container (joined, "${under.slice(0, -1)}…" climbs out of ${container})`);
    }
  }
  return {
    accountUrl: url.href.replace(/\/$/, ""),
    accountName,
    credential,
    container,
    prefix,
    blobsPrefix,
    manifestsPrefix,
    names,
    uploadParallelism: reader.int("upload_parallelism", { min: 1, max: 1024 }) ?? 4,
    mode: reader.oneOf("mode", ["min", "max"] as const, "min") as CacheMode,
    ignoreError: reader.bool("ignore-error", false),
  };
}

/** The account URL; a bad one is named without its query, which may hold a SAS token. */
function parseAccountUrl(text: string, component: string): URL {
  const shown = text.replace(/\?.*$/, "?(query hidden)");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidOptionError(component, "account_url", shown, "an http or https URL such as https://<account>.blob.core.windows.net");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new InvalidOptionError(component, "account_url", shown, "an http or https URL such as https://<account>.blob.core.windows.net");
  if (url.username || url.password) throw new InvalidOptionError(component, "account_url", "(a URL with credentials)", "a URL without user or password: give the key as secret_access_key");
  return url;
}

function credentialOf(reader: AttrReader, url: URL, accountName: string, connection: ConnectionString | undefined, env: NodeJS.ProcessEnv): AzblobCredential {
  const key = reader.string("secret_access_key");
  if (key !== undefined) {
    // The value is a secret: the message describes it without repeating it.
    if (!BASE64.test(key)) throw new InvalidOptionError(reader.component, "secret_access_key", "(set)", "the storage account's key, as base64 (the Azure portal's \"key1\" or \"key2\")");
    return { kind: "shared-key", accountKey: new Secret(key) };
  }
  if (url.search.length > 1) return { kind: "sas", sas: new Secret(url.search.slice(1)) };
  if (connection && connection.accountName === accountName) return connection.credential;
  if (env.AZURE_STORAGE_KEY) return { kind: "shared-key", accountKey: new Secret(env.AZURE_STORAGE_KEY) };
  // BuildKit's getConfig: no key, so azidentity.NewDefaultAzureCredential (utils.go).
  return { kind: "entra" };
}

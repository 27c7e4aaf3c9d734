import { InvalidOptionError, Secret } from "@exp/errors";

/** What a storage connection string says about the blob service. */
export interface ConnectionString {
  accountUrl: string;
  accountName: string;
  credential: { kind: "shared-key"; accountKey: Secret } | { kind: "sas"; sas: Secret };
}

/** Azurite's well-known account, which `UseDevelopmentStorage=true` stands for (as in Microsoft's SDKs). */
const DEVELOPMENT = {
  accountUrl: "http://127.0.0.1:10000/devstoreaccount1",
  accountName: "devstoreaccount1",
  accountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
};

/**
 * Parses an Azure Storage connection string (`DefaultEndpointsProtocol=https;AccountName=…;
 * AccountKey=…;EndpointSuffix=core.windows.net`, or `BlobEndpoint=…;SharedAccessSignature=…`), as
 * `az storage` and Microsoft's SDKs read AZURE_STORAGE_CONNECTION_STRING. BuildKit takes none (its
 * daemon uses the Azure SDK for Go's credential chain); exp reads one from the environment only, so
 * it never lands in a build's history with the spec's attributes. Errors never repeat the value.
 */
export function parseConnectionString(text: string, component: string, source: string): ConnectionString {
  const invalid = (why: string) =>
    new InvalidOptionError(component, source, "(set)", `a connection string with AccountName and AccountKey, or BlobEndpoint and SharedAccessSignature (${why})`);
  const fields = new Map<string, string>();
  for (const part of text.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw invalid("a part is not Key=Value");
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    return { accountUrl: DEVELOPMENT.accountUrl, accountName: DEVELOPMENT.accountName, credential: { kind: "shared-key", accountKey: new Secret(DEVELOPMENT.accountKey) } };
  }
  const accountName = fields.get("accountname");
  const protocol = fields.get("defaultendpointsprotocol") ?? "https";
  const suffix = fields.get("endpointsuffix") ?? "core.windows.net";
  const endpoint = fields.get("blobendpoint") ?? (accountName ? `${protocol}://${accountName}.blob.${suffix}` : undefined);
  if (!endpoint) throw invalid("no BlobEndpoint and no AccountName");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid("its blob endpoint is not a URL");
  }
  const accountKey = fields.get("accountkey");
  const sas = fields.get("sharedaccesssignature");
  const name = accountName ?? accountNameOfUrl(url);
  if (accountKey && name) return { accountUrl: url.href.replace(/\/$/, ""), accountName: name, credential: { kind: "shared-key", accountKey: new Secret(accountKey) } };
  if (sas) return { accountUrl: url.href.replace(/\/$/, ""), accountName: name ?? "", credential: { kind: "sas", sas: new Secret(sas.replace(/^\?/, "")) } };
  throw invalid("neither AccountKey nor SharedAccessSignature");
}

/**
 * The account an account URL names. BuildKit takes the first label of the host name
 * (cache/remotecache/azblob/utils.go), which is right for `<account>.blob.core.windows.net`; for an
 * IP address or localhost (Azurite, Azure Stack) the Azure SDK's "IP-style" URLs put the account in
 * the first path segment, and so does exp (BuildKit would take "127" there and fail to sign).
 */
export function accountNameOfUrl(url: URL): string | undefined {
  const host = url.hostname;
  const ipStyle = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("[") || host === "localhost" || host === "host.docker.internal";
  const name = ipStyle ? url.pathname.split("/").find((s) => s !== "") : host.split(".")[0];
  return name === "" ? undefined : name;
}

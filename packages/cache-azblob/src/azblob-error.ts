import { ExpError, connectionFailureOf } from "@exp/errors";

/**
 * An Azure Blob Storage failure, named by the service's error code (x-ms-error-code), the HTTP
 * status and the blob, never with a credential: the message is built from those alone, never from
 * the SDK's, whose request (URL with a SAS token, Authorization header) stays in `cause`. A
 * connection that could not be made is `ERR_AZBLOB_UNREACHABLE`, naming the address; every other
 * failure is `ERR_AZBLOB`.
 */
export class AzblobCacheError extends ExpError {
  /** Azure's error code (BlobNotFound, AuthenticationFailed, …), or the status's meaning. */
  readonly azureCode: string;
  readonly status: number | undefined;
  constructor(action: string, error: unknown) {
    const failure = connectionFailureOf(error);
    if (failure !== undefined) {
      const { address, port } = failure.error;
      const where = typeof address === "string" ? `${address}${port === undefined ? "" : `:${String(port)}`}` : (requestHost(error) ?? "the account URL");
      super("ERR_AZBLOB_UNREACHABLE", `${action}: cannot connect to ${where} (${failure.code}); check account_url, and that the storage service is running`, { cause: error, fault: failure.kind === "host-not-found" ? "client" : "server" });
      this.azureCode = failure.code;
      this.status = undefined;
      return;
    }
    const credentialFailure = entraFailure(error);
    if (credentialFailure !== undefined) {
      super("ERR_AZBLOB_NO_CREDENTIAL", `${action}: no Microsoft Entra ID credential gave a token (DefaultAzureCredential: ${credentialFailure}); sign in (az login), set AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret, certificate or federated token, run with a managed identity, or give secret_access_key=<account key>`, { cause: error, fault: "client" });
      this.azureCode = credentialFailure;
      this.status = undefined;
      return;
    }
    const status = statusOf(error);
    const code = azureErrorCode(error) ?? (status === 403 ? "Forbidden" : status === 404 ? "NotFound" : status === undefined ? errorName(error) : `HTTP ${status}`);
    super("ERR_AZBLOB", `${action}: ${code}${status !== undefined ? ` (HTTP ${status})` : ""}`, { cause: error, fault: status !== undefined && status < 500 ? "client" : "server", retryable: status === undefined || status >= 500 });
    this.azureCode = code;
    this.status = status;
  }
}

/** The Azure SDK's own errors (RestError: a status, or a network failure), as opposed to exp's (a digest mismatch), which pass through as they are. */
export function isRestError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "RestError";
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Azure's error code: the SDK's RestError has it as `code`, or in `details.errorCode` (a HEAD has no body, only the x-ms-error-code header). */
export function azureErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = e?.details?.errorCode ?? e?.code;
  return typeof code === "string" && /^[A-Z][A-Za-z]+$/.test(code) ? code : undefined;
}

function errorName(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  return typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "Error";
}

/** A 404 of any kind: BlobNotFound, ContainerNotFound. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** The host:port the SDK's request went to (RestError.request.url), never its path or query (a SAS token travels there). */
function requestHost(error: unknown): string | undefined {
  const url = (error as { request?: { url?: unknown } } | null)?.request?.url;
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** @azure/identity's failures to get a token (their names; the message, which may name an account, is not shown). */
function entraFailure(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && ["CredentialUnavailableError", "AggregateAuthenticationError", "AuthenticationError", "AuthenticationRequiredError"].includes(name) ? name : undefined;
}

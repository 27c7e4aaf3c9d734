import { ExpError, connectionFailureOf } from "@exp/errors";

/**
 * A failure of GitHub's cache service (or of the Azure Blob Storage behind its signed URLs), named
 * by the action, the service's Twirp error code and the HTTP status, never with the runtime token
 * or a signed URL: the message is built from those alone. A connection that could not be made is
 * `ERR_GHA_CACHE_UNREACHABLE`; everything else is `ERR_GHA_CACHE`.
 */
export class GhaCacheError extends ExpError {
  /** The Twirp error code (not_found, already_exists, resource_exhausted, …), when the service gave one. */
  readonly twirpCode: string | undefined;
  readonly status: number | undefined;
  constructor(action: string, detail: { status?: number; twirpCode?: string; message?: string; cause?: unknown }) {
    const failure = detail.cause === undefined ? undefined : connectionFailureOf(detail.cause);
    if (failure !== undefined) {
      const { address, port } = failure.error;
      const where = typeof address === "string" ? `${address}${port === undefined ? "" : `:${String(port)}`}` : "the cache service";
      super("ERR_GHA_CACHE_UNREACHABLE", `${action}: cannot connect to ${where} (${failure.code}); check url_v2 (or ACTIONS_RESULTS_URL)`, { cause: detail.cause, fault: failure.kind === "host-not-found" ? "client" : "server" });
      this.twirpCode = undefined;
      this.status = undefined;
      return;
    }
    const { status, twirpCode } = detail;
    const what = [twirpCode, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(", ");
    const message = `${action}: ${detail.message ?? "failed"}${what ? ` (${what})` : ""}`;
    super("ERR_GHA_CACHE", message, { cause: detail.cause, fault: status !== undefined && status < 500 && status !== 429 ? "client" : "server", retryable: status === undefined || status >= 500 || status === 429 });
    this.twirpCode = twirpCode;
    this.status = status;
  }
}

import { ExpError } from "@exp/errors";

/** The token server refused or failed to issue a token. The message never holds a secret. */
export class TokenError extends ExpError {
  readonly registry: string;
  /** The realm's origin and path (no query, no user info). */
  readonly realm: string;
  readonly status: number | undefined;

  constructor(registry: string, realm: string, message: string, options: { status?: number; retryable?: boolean; fault?: "client" | "server" } = {}) {
    super("ERR_REGISTRY_AUTH", message, { fault: options.fault ?? "client", retryable: options.retryable ?? false });
    this.registry = registry;
    this.realm = realm;
    this.status = options.status;
  }
}

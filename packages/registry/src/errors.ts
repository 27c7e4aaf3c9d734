import { ExpError } from "@exp/errors";
import { describeConnectionFailure, type ConnectionFailure, type ConnectionFailureKind } from "./transport/connection-failure.js";

/** One entry of a distribution-spec error body. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface RegistryErrorInit {
  status: number;
  method: string;
  /** Already free of credentials (see redactUrl). */
  url: string;
  errors?: RegistryErrorDetail[];
  cause?: unknown;
  /** What we were doing, e.g. "pushing blob sha256:… to 127.0.0.1:5000/app". */
  action?: string;
}

const codeByStatus: Record<number, string> = {
  400: "ERR_REGISTRY_BAD_REQUEST",
  401: "ERR_REGISTRY_UNAUTHORIZED",
  403: "ERR_REGISTRY_DENIED",
  404: "ERR_REGISTRY_NOT_FOUND",
  405: "ERR_REGISTRY_UNSUPPORTED",
  408: "ERR_REGISTRY_TIMEOUT",
  413: "ERR_REGISTRY_TOO_LARGE",
  416: "ERR_REGISTRY_RANGE",
  429: "ERR_REGISTRY_TOO_MANY_REQUESTS",
};

/**
 * An HTTP answer from a registry that was not what the operation needed. It carries the status,
 * the registry's own error codes, messages and details (buildkit#2559: hiding them makes failures
 * undiagnosable), the method and the URL, never credentials or tokens.
 */
export class RegistryError extends ExpError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly errors: RegistryErrorDetail[];

  constructor(init: RegistryErrorInit) {
    const registryText = (init.errors ?? [])
      .map((e) => [e.code, e.message, e.detail === undefined ? undefined : JSON.stringify(e.detail)].filter(Boolean).join(": "))
      .join("; ");
    const code = codeByStatus[init.status] ?? (init.status >= 500 ? "ERR_REGISTRY_SERVER" : "ERR_REGISTRY_REQUEST");
    super(
      code,
      `${init.action ? `${init.action}: ` : ""}${init.method} ${init.url} answered ${init.status}${registryText ? ` (${registryText})` : ""}`,
      { cause: init.cause, fault: init.status >= 500 || init.status === 429 || init.status === 408 ? "server" : "client", retryable: isRetryableStatus(init.status) },
    );
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.errors = init.errors ?? [];
  }

  /** True when the registry said one of these distribution error codes. */
  hasCode(...codes: string[]): boolean {
    return this.errors.some((e) => codes.includes(e.code));
  }
}

/** The connection failed (reset, refused, timed out, TLS) before a complete answer arrived. */
export class RegistryNetworkError extends ExpError {
  readonly method: string;
  readonly url: string;
  constructor(method: string, url: string, cause: unknown) {
    const reason = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : String(cause);
    super("ERR_REGISTRY_NETWORK", `${method} ${url} failed: ${reason}`, { cause, fault: "server", retryable: true });
    this.method = method;
    this.url = url;
  }
}

/**
 * No connection could be made: nothing listens on the host's port, or its name does not resolve.
 * Given up after at most one retry (see connection-failure.ts), where a reset or a 503 gets the
 * whole retry budget; `cause` is the last RegistryNetworkError.
 */
export class RegistryUnreachableError extends ExpError {
  /** host[:port] that was connected to (after redirects: the host that failed). */
  readonly host: string;
  readonly reason: ConnectionFailureKind;
  readonly attempts: number;
  constructor(init: { action: string; url: string; failure: ConnectionFailure; attempts: number; cause: unknown }) {
    const target = hostOf(init.url);
    super("ERR_REGISTRY_UNREACHABLE", `${init.action}: ${describeConnectionFailure(init.failure, target, init.attempts)}`, {
      cause: init.cause,
      // A name that does not exist is most likely a typo in the reference; the rest is the server's side.
      fault: init.failure.kind === "host-not-found" ? "client" : "server",
    });
    this.host = target.host;
    this.reason = init.failure.kind;
    this.attempts = init.attempts;
  }
}

function hostOf(url: string): { host: string; hostname: string } {
  try {
    const parsed = new URL(url);
    // The port the connection went to, also when the URL leaves it implicit.
    const port = parsed.port || (parsed.protocol === "https:" ? "443" : parsed.protocol === "http:" ? "80" : "");
    return { host: port ? `${parsed.hostname}:${port}` : parsed.hostname, hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1") };
  } catch {
    return { host: url, hostname: url };
  }
}

/** The registry broke the protocol: a missing Location, a wrong Range, a digest it changed. */
export class RegistryProtocolError extends ExpError {
  constructor(message: string) {
    super("ERR_REGISTRY_PROTOCOL", message, { fault: "server" });
  }
}

/** Retries ran out (attempts or time budget); `cause` is the last failure. */
export class RetriesExhaustedError extends ExpError {
  readonly attempts: number;
  constructor(what: string, attempts: number, cause: unknown) {
    super("ERR_REGISTRY_RETRIES_EXHAUSTED", `${what} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      fault: "server",
    });
    this.attempts = attempts;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Removes userinfo and any token-like query parameters from a URL before it goes in a message. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url.toString());
    parsed.username = "";
    parsed.password = "";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/token|signature|credential|secret|password|x-amz-|sig$/i.test(key)) parsed.searchParams.set(key, "REDACTED");
    }
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}

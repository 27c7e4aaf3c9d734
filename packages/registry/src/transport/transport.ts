import { throwIfAborted } from "@exp/errors";
import { parseDistributionErrors } from "@exp/oci-spec";
import { removeKnownSecrets, secretsOfAuthorization } from "../auth/redact.js";
import { RegistryError, RegistryNetworkError, RegistryUnreachableError, RetriesExhaustedError, isRetryableStatus, redactUrl, type RegistryErrorDetail } from "../errors.js";
import type { Authenticator } from "./authenticator.js";
import { connectionFailureAttempts, connectionFailureOf, type ConnectionFailure } from "./connection-failure.js";
import type { Hosts } from "./hosts.js";
import { backoffDelay, isRetryableNetworkError, parseRetryAfter, wait, type RetryPolicy } from "./retry.js";
import { header, send, type HttpMethod, type RequestBody, type SendResult } from "./send.js";

export interface TransportRequest {
  /** Registry host, "host[:port]". */
  registry: string;
  /** Token scopes this request needs, e.g. ["repository:app:pull,push"]. */
  scopes: readonly string[];
  method: HttpMethod;
  /** A path under the registry ("/v2/app/blobs/…") or an absolute URL (an upload Location). */
  target: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Statuses the caller handles; any other is an error (after retries where they make sense). */
  expect: readonly number[];
  signal?: AbortSignal;
  /** For messages: "pushing blob sha256:… to 127.0.0.1:5000/app". */
  action: string;
  /** Set false for requests that must not be repeated (a PATCH whose offset the server already moved). */
  retry?: boolean;
}

const userAgent = "exp-registry/0.1 (+undici)";

/**
 * Sends one registry request with everything around it: authentication (first challenge, token
 * refresh on 401), retries of 408/429/5xx and of connection resets and timeouts with exponential
 * backoff, jitter and Retry-After, bounded by attempts and a time budget. Never retries
 * 401/403/404; a refused connection or a host name that does not resolve fails fast (one retry at
 * most, RegistryUnreachableError). Bodies are RequestBody, reopened for each attempt.
 */
export class Transport {
  constructor(
    readonly hosts: Hosts,
    readonly auth: Authenticator,
    readonly retry: RetryPolicy,
  ) {}

  url(registry: string, target: string): URL {
    return new URL(target, `${this.hosts.baseUrl(registry)}/`);
  }

  async request(req: TransportRequest): Promise<SendResult> {
    let url = this.url(req.registry, req.target);
    const started = Date.now();
    const retryable = req.retry ?? true;
    let attempt = 0;
    let authRetries = 0;
    let connectionFailures = 0;
    for (;;) {
      throwIfAborted(req.signal, req.action);
      attempt++;
      const authorization = await this.auth.authorization(req.registry, req.scopes, req.signal);
      const headers: Record<string, string> = { "user-agent": userAgent, ...req.headers, ...(authorization ? { authorization } : {}) };
      let response: SendResult;
      try {
        response = await send(this.hosts, { method: req.method, url, headers, ...(req.body === undefined ? {} : { body: req.body }), ...(req.signal ? { signal: req.signal } : {}) });
      } catch (error) {
        if (req.signal?.aborted) throw error;
        // An insecure registry without TLS: the same request over HTTP, not a failed attempt.
        const overHttp = url.protocol === "https:" && this.hosts.fallBackToHttp(req.registry, error) ? this.url(req.registry, req.target) : undefined;
        if (overHttp?.protocol === "http:") {
          url = overHttp;
          attempt--;
          continue;
        }
        const failure = connectionFailureOf(error);
        if (failure !== undefined) {
          connectionFailures++;
          await this.retryConnectionOrGiveUp(req, url, { failure, connectionFailures, attempt, started, retryable }, error);
          continue;
        }
        if (!retryable || !isRetryableNetworkError(error)) throw error;
        await this.backoffOrGiveUp(req, attempt, started, error, undefined);
        continue;
      }
      if (response.status === 401 && authRetries < 2) {
        await response.body.dump();
        if (await this.auth.unauthorized(req.registry, req.scopes, header(response.headers, "www-authenticate"), authorization)) {
          authRetries++;
          attempt--; // an authentication round trip is not a failed attempt
          continue;
        }
        throw await this.errorFrom(req, response, await this.describeCredentials(req.registry), authorization);
      }
      if (req.expect.includes(response.status)) return response;
      if (retryable && isRetryableStatus(response.status)) {
        const error = await this.errorFrom(req, response, undefined, authorization);
        await this.backoffOrGiveUp(req, attempt, started, error, parseRetryAfter(response.headers["retry-after"]));
        continue;
      }
      throw await this.errorFrom(req, response, response.status === 401 || response.status === 403 ? await this.describeCredentials(req.registry) : undefined, authorization);
    }
  }

  private async backoffOrGiveUp(req: TransportRequest, attempt: number, started: number, error: unknown, retryAfterMs: number | undefined): Promise<void> {
    const delay = backoffDelay(this.retry, attempt, retryAfterMs);
    if (attempt >= this.retry.attempts || Date.now() - started + delay > this.retry.budgetMs) {
      throw new RetriesExhaustedError(req.action, attempt, error);
    }
    await wait(delay, req.signal);
  }

  /**
   * A connection that could not be made (refused, a host name that does not resolve) gets at most
   * one more try, where resets and 5xx get the whole budget: a registry that is down stays down for
   * the ten seconds the budget would spend, and a `--cache-from` naming it must not hold every build
   * up that long. Counted apart from other failures, so a registry that answered 503 while it
   * restarted still gets its retry once it refuses.
   */
  private async retryConnectionOrGiveUp(
    req: TransportRequest,
    url: URL,
    state: { failure: ConnectionFailure; connectionFailures: number; attempt: number; started: number; retryable: boolean },
    error: unknown,
  ): Promise<void> {
    const delay = backoffDelay(this.retry, state.attempt);
    const exhausted =
      !state.retryable ||
      state.connectionFailures >= connectionFailureAttempts[state.failure.kind] ||
      state.attempt >= this.retry.attempts ||
      Date.now() - state.started + delay > this.retry.budgetMs;
    if (exhausted) {
      // After a redirect the host that failed is the redirect's, which send() put in its error.
      const failedUrl = error instanceof RegistryNetworkError ? error.url : redactUrl(url);
      throw new RegistryUnreachableError({ action: req.action, url: failedUrl, failure: state.failure, attempts: state.attempt, cause: error });
    }
    await wait(delay, req.signal);
  }

  /**
   * Reads a bounded error body and parses the distribution-spec `errors` array when there is one.
   * Registries and proxies may echo the credentials they were sent ("invalid token <token>"):
   * whatever the request's Authorization carried is removed from what the error repeats.
   */
  async errorFrom(req: TransportRequest, response: SendResult, credentialsNote?: string, sentAuthorization?: string): Promise<RegistryError> {
    const text = await readBounded(response, 64 * 1024);
    const secrets = secretsOfAuthorization(sentAuthorization);
    return new RegistryError({
      status: response.status,
      method: req.method,
      url: redactUrl(response.url),
      // Before parsing too: a body that is not JSON is cut to its start, which could cut a secret in two.
      errors: parseErrors(removeKnownSecrets(text, secrets)).map((e) => withoutSecrets(e, secrets)),
      action: credentialsNote ? `${req.action} (${credentialsNote})` : req.action,
    });
  }

  private async describeCredentials(registry: string): Promise<string> {
    try {
      return `credentials from ${await this.auth.source(registry)}`;
    } catch {
      return "credentials could not be read";
    }
  }
}

async function readBounded(response: SendResult, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > limit) {
        chunks.push(buffer.subarray(0, limit - size));
        response.body.destroy();
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } catch {
    // A broken error body still leaves us the status.
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** An error entry with the given secrets removed from its message and from every string of its detail. */
function withoutSecrets(error: RegistryErrorDetail, secrets: readonly string[]): RegistryErrorDetail {
  if (secrets.length === 0) return error;
  const clean = (value: unknown): unknown => {
    if (typeof value === "string") return removeKnownSecrets(value, secrets);
    if (Array.isArray(value)) return value.map(clean);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [removeKnownSecrets(k, secrets), clean(v)]));
    return value;
  };
  return {
    code: removeKnownSecrets(error.code, secrets),
    ...(error.message === undefined ? {} : { message: removeKnownSecrets(error.message, secrets) }),
    ...(error.detail === undefined ? {} : { detail: clean(error.detail) }),
  };
}

/** The distribution-spec `errors` array when the body has one; otherwise the start of the text. */
function parseErrors(text: string): RegistryErrorDetail[] {
  if (text.trim() === "") return [];
  try {
    return parseDistributionErrors(text).errors.map((e) => ({
      code: e.code,
      ...(e.message === undefined ? {} : { message: e.message }),
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    }));
  } catch {
    return [{ code: "UNKNOWN", message: text.trim().slice(0, 200) }];
  }
}

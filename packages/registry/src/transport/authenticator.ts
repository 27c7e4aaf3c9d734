import {
  TokenCache,
  basicAuthorization,
  fetchToken,
  parseChallenges,
  resolveCredentials,
  type Challenge,
  type Credentials,
  type HttpFetch,
  type ResolvedCredentials,
  type TokenResponse,
} from "../auth/index.js";
import type { Hosts } from "./hosts.js";
import { send } from "./send.js";

export interface AuthOptions {
  /** Credentials per registry host; they win over every config file. */
  credentials?: Readonly<Record<string, Credentials | { username: string; password: string }>>;
  /** Where docker/podman config files are looked up (tests point these at temp dirs). */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

/**
 * Turns a registry's 401 challenges into Authorization headers. It learns each registry's
 * challenge from its first 401 (so later requests authenticate up front), resolves credentials
 * once per registry from options and docker/podman config files, and caches bearer tokens per
 * scope until they expire.
 */
export class Authenticator {
  private readonly challenges = new Map<string, Challenge>();
  private readonly credentials = new Map<string, Promise<ResolvedCredentials>>();
  private readonly tokens = new TokenCache();
  /** Token requests in flight, so concurrent requests needing one scope fetch one token. */
  private readonly pendingTokens = new Map<string, Promise<TokenResponse>>();
  private readonly http: HttpFetch;

  constructor(
    private readonly hosts: Hosts,
    private readonly options: AuthOptions = {},
  ) {
    this.http = async (url, init) => {
      const response = await send(this.hosts, { method: init.method, url: new URL(url), headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }), ...(init.signal ? { signal: init.signal } : {}) });
      return { status: response.status, headers: response.headers, text: await response.body.text() };
    };
  }

  /** The Authorization header for a request to `registry` needing `scopes`, if we know how to make one. */
  async authorization(registry: string, scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenges.get(registry);
    if (!challenge) return undefined;
    const { credentials, source } = await this.resolve(registry, signal);
    if (challenge.scheme === "basic") return basicAuthorization(credentials);
    if (challenge.scheme !== "bearer") return undefined;
    if (credentials.kind === "registry-token") return `Bearer ${credentials.token}`;
    const key = { registry, realm: challenge.params.realm ?? "", service: challenge.params.service ?? "", scopes: [...scopes] };
    const cached = this.tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    const pendingKey = JSON.stringify([registry, key.realm, key.service, [...scopes].sort()]);
    let pending = this.pendingTokens.get(pendingKey);
    if (!pending) {
      pending = fetchToken({ challenge, scopes: [...scopes], credentials, http: this.http, registry, credentialSource: source, ...(signal ? { signal } : {}) });
      this.pendingTokens.set(pendingKey, pending);
      pending.then(
        (token) => this.tokens.set(key, token),
        () => undefined,
      ).finally(() => this.pendingTokens.delete(pendingKey));
    }
    return `Bearer ${(await pending).token}`;
  }

  /**
   * Called with a 401's WWW-Authenticate. Returns true when a retry with (new) credentials makes
   * sense: a first challenge, or a cached token the registry no longer accepts.
   */
  async unauthorized(registry: string, scopes: readonly string[], wwwAuthenticate: string | undefined, sentAuthorization: string | undefined): Promise<boolean> {
    const challenge = wwwAuthenticate ? pickChallenge(parseChallenges(wwwAuthenticate)) : undefined;
    if (!challenge) return false;
    this.challenges.set(registry, challenge);
    if (sentAuthorization === undefined) return true;
    if (challenge.scheme === "bearer" && sentAuthorization.startsWith("Bearer ")) {
      // The token expired early or was revoked: forget it so the retry fetches a fresh one.
      // Only the token we sent: a fresh one a concurrent request just cached stays.
      this.tokens.invalidate(
        { registry, realm: challenge.params.realm ?? "", service: challenge.params.service ?? "", scopes: [...scopes] },
        sentAuthorization.slice("Bearer ".length),
      );
      return true;
    }
    return false;
  }

  /** Where this registry's credentials came from, for error messages (never the secret). */
  async source(registry: string): Promise<string> {
    return (await this.resolve(registry)).source;
  }

  private resolve(registry: string, signal?: AbortSignal): Promise<ResolvedCredentials> {
    let pending = this.credentials.get(registry);
    if (!pending) {
      const explicit = this.options.credentials?.[registry];
      pending = resolveCredentials(registry, {
        ...(explicit ? { explicit } : {}),
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.homeDir ? { homeDir: this.options.homeDir } : {}),
        ...(signal ? { signal } : {}),
      });
      // A failed lookup (a broken helper) is not cached: the next request tries again.
      pending.catch(() => this.credentials.delete(registry));
      this.credentials.set(registry, pending);
    }
    return pending;
  }
}

/** Prefer Bearer over Basic when a registry offers both, as docker does. */
function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}

import { InvalidOptionError, MissingOptionError, Secret } from "@exp/errors";
import type { AttrReader, CacheMode } from "@exp/solver";
import { parseRuntimeToken, type RuntimeToken } from "./runtime-token.js";

/**
 * BuildKit's gha cache keys (cache/remotecache/gha/gha.go, getConfig), and the `mode` and
 * `ignore-error` every cache backend takes.
 */
export const ghaKeys = ["scope", "url", "url_v2", "token", "timeout", "version", "repository", "ghtoken", "mode", "ignore-error"] as const;

export interface GhaCacheOptions {
  /** The cache service v2's base URL (ACTIONS_RESULTS_URL). */
  serviceUrl: string;
  token: Secret;
  runtimeToken: RuntimeToken;
  /** Cache scopes (`scope`, "buildkit" by default; several separated by ";"): an export writes each one's index, an import reads each. */
  scopes: string[];
  /** How long one request to the service may keep trying, retries and Retry-After waits included (BuildKit's `timeout`, 10m, per request as go-actions-cache applies it). */
  timeoutMs: number;
  mode: CacheMode;
  ignoreError: boolean;
}

/** The variables GitHub's runner gives actions (and buildx reads, util/buildflags/cache.go). */
export interface GhaEnvironment {
  ACTIONS_RUNTIME_TOKEN?: string | undefined;
  ACTIONS_RESULTS_URL?: string | undefined;
  ACTIONS_CACHE_URL?: string | undefined;
  ACTIONS_CACHE_SERVICE_V2?: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * The rules, from BuildKit's getConfig and buildx's defaults unless said:
 * - `token`, else $ACTIONS_RUNTIME_TOKEN; required, and read for its scopes (runtime-token.ts).
 * - `version`: 1 or 2; unset, it is 2 when $ACTIONS_CACHE_SERVICE_V2 is true (1, true, yes), or
 *   when there is a v2 URL and no v1 one, or when `url` names GitHub's results-receiver host.
 * - the v2 URL: `url_v2`, else $ACTIONS_RESULTS_URL, else `url` (BuildKit takes `url` for v2 when
 *   url_v2 is missing); required.
 * - version 1, GitHub's legacy cache service, is refused: GitHub shut it down on 2025-04-15 (the
 *   move BuildKit made in #5683/#5896), so exp implements v2 only.
 * - `timeout` a Go duration, 10m; `scope` "buildkit" (exp: several separated by ";").
 * - `repository` and `ghtoken`, which BuildKit uses to list existing blob keys through GitHub's REST
 *   API instead of asking the cache service about each blob, are refused: exp asks the cache
 *   service (one lookup per layer), which needs no second token.
 */
export function parseGhaOptions(reader: AttrReader, env: GhaEnvironment = process.env): GhaCacheOptions {
  const component = reader.component;
  for (const key of ["repository", "ghtoken"] as const) {
    const value = reader.string(key);
    if (value !== undefined) {
      throw new InvalidOptionError(component, key, key === "ghtoken" ? "****" : value, "nothing: exp checks each blob with the cache service's own lookup and does not call GitHub's REST API (remove repository= and ghtoken=)");
    }
  }
  const tokenText = reader.string("token") ?? env.ACTIONS_RUNTIME_TOKEN;
  if (!tokenText) throw new MissingOptionError(component, "token", "give token=… or set ACTIONS_RUNTIME_TOKEN (GitHub gives it to actions; crazy-max/ghaction-github-runtime exposes it to run steps)");
  const token = new Secret(tokenText);

  const versionText = reader.string("version");
  let version: 1 | 2 | undefined;
  if (versionText !== undefined) {
    if (versionText.trim() !== "1" && versionText.trim() !== "2") throw new InvalidOptionError(component, "version", versionText, "2 (or 1, the legacy service, which exp refuses)");
    version = versionText.trim() === "1" ? 1 : 2;
  } else if (isTrue(env.ACTIONS_CACHE_SERVICE_V2)) {
    version = 2;
  }
  const urlV2 = reader.string("url_v2") ?? env.ACTIONS_RESULTS_URL;
  const url = reader.string("url");
  const urlV1 = url ?? env.ACTIONS_CACHE_URL;
  if (version === undefined) {
    if (urlV2 !== undefined && urlV2 !== "") version = 2;
    else if (url?.includes("results-receiver.actions.githubusercontent.com")) version = 2;
    else if (urlV1) version = 1;
  }
  if (version === 1) {
    throw new InvalidOptionError(component, "version", versionText ?? "1 (from url / ACTIONS_CACHE_URL)", "2: GitHub's legacy cache service (v1) was shut down on 2025-04-15 and exp speaks only v2; give url_v2= or set ACTIONS_RESULTS_URL");
  }
  const serviceUrl = urlV2 || url;
  if (!serviceUrl) throw new MissingOptionError(component, "url_v2", "give url_v2=… or set ACTIONS_RESULTS_URL (GitHub gives it to actions)");
  if (!/^https?:\/\/[^/]/.test(serviceUrl)) throw new InvalidOptionError(component, reader.has("url_v2") ? "url_v2" : "url", serviceUrl, "an http:// or https:// URL");

  const scopeText = reader.string("scope") ?? "buildkit";
  const scopes = scopeText.split(";").map((s) => s.trim());
  if (scopes.some((s) => s === "")) throw new InvalidOptionError(component, "scope", scopeText, 'one or more scope names separated by ";", none empty');
  for (const s of scopes) {
    // Entry keys may not hold commas (actions/cache's validateKey) and are at most 512 characters.
    if (s.includes(",") || s.length > 400) throw new InvalidOptionError(component, "scope", s, "a name without commas, at most 400 characters");
  }
  return {
    serviceUrl,
    token,
    runtimeToken: parseRuntimeToken(token, component),
    scopes,
    timeoutMs: reader.durationMs("timeout") ?? DEFAULT_TIMEOUT_MS,
    mode: reader.oneOf("mode", ["min", "max"], "min"),
    ignoreError: reader.bool("ignore-error", false),
  };
}

/** buildx's reading of ACTIONS_CACHE_SERVICE_V2 (strconv.ParseBool, and "yes" as its docs say). */
function isTrue(value: string | undefined): boolean {
  return ["1", "t", "true", "yes"].includes((value ?? "").trim().toLowerCase());
}

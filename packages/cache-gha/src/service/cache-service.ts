import { GhaCacheError } from "../gha-error.js";
import type { GhaCacheOptions } from "../options.js";
import type { GhaTuning } from "../tuning.js";
import { ENTRY_VERSION } from "../keys.js";
import { TwirpError, twirpCall, type CallPolicy, type TwirpTarget } from "./twirp-call.js";

/** An entry found by a lookup: where to download it (a signed Azure Blob URL) and which key matched. */
export interface FoundEntry {
  downloadUrl: string;
  matchedKey: string;
}

/**
 * GitHub's cache service v2, the three calls BuildKit's client makes (go-actions-cache
 * cache_v2.go): CreateCacheEntry hands out a signed upload URL, FinalizeCacheEntryUpload makes the
 * uploaded entry visible, GetCacheEntryDownloadURL finds one (exact key first, then the restore
 * keys as prefixes, newest first; in the runtime token's scopes, in order). Every entry carries
 * ENTRY_VERSION, as BuildKit's do, so the two read each other's.
 */
export class CacheService {
  constructor(
    private readonly target: TwirpTarget,
    private readonly policy: CallPolicy,
  ) {}

  /** A signed URL to upload `key`'s content to, or "exists" when the entry is already there (or being written by another build). */
  async createEntry(key: string, signal: AbortSignal): Promise<{ uploadUrl: string } | "exists"> {
    const answer = await this.call("CreateCacheEntry", { key, version: ENTRY_VERSION }, `reserving cache entry ${key}`, signal, ["already_exists"]);
    if (answer === "already_exists") return "exists";
    const { ok, signed_upload_url: url } = answer as { ok?: unknown; signed_upload_url?: unknown };
    if (ok !== true || typeof url !== "string" || url === "") throw new GhaCacheError(`reserving cache entry ${key}`, { message: "the service did not reserve it (ok is not true)" });
    return { uploadUrl: url };
  }

  async finalizeEntry(key: string, sizeBytes: number, signal: AbortSignal): Promise<void> {
    const answer = await this.call("FinalizeCacheEntryUpload", { key, size_bytes: sizeBytes, version: ENTRY_VERSION }, `finalizing cache entry ${key}`, signal);
    if ((answer as { ok?: unknown }).ok !== true) throw new GhaCacheError(`finalizing cache entry ${key}`, { message: "the service did not commit it (ok is not true)" });
  }

  /** The newest entry for `key` (exact), else for the first of `restoreKeys` that prefixes one; undefined when none. */
  async lookup(key: string, restoreKeys: readonly string[], signal: AbortSignal): Promise<FoundEntry | undefined> {
    const answer = (await this.call("GetCacheEntryDownloadURL", { key, restore_keys: restoreKeys, version: ENTRY_VERSION }, `looking up cache entry ${key}`, signal)) as {
      ok?: unknown;
      signed_download_url?: unknown;
      matched_key?: unknown;
    };
    if (answer.ok !== true) return undefined;
    if (typeof answer.signed_download_url !== "string" || answer.signed_download_url === "") throw new GhaCacheError(`looking up cache entry ${key}`, { message: "the service found it but gave no download URL" });
    return { downloadUrl: answer.signed_download_url, matchedKey: typeof answer.matched_key === "string" ? answer.matched_key : key };
  }

  /** A call whose Twirp errors become GhaCacheErrors, except the codes the caller handles (returned as the code). */
  private async call(method: string, body: unknown, action: string, signal: AbortSignal, expected: readonly string[] = []): Promise<unknown> {
    try {
      return await twirpCall(this.target, method, body, this.policy, signal);
    } catch (error) {
      if (!(error instanceof TwirpError)) throw error;
      if (error.twirpCode !== undefined && expected.includes(error.twirpCode)) return error.twirpCode;
      // 409 without a Twirp body still means the key is taken (go-actions-cache maps "already exists" text too).
      if (error.status === 409 && expected.includes("already_exists")) return "already_exists";
      throw new GhaCacheError(action, {
        status: error.status,
        ...(error.twirpCode ? { twirpCode: error.twirpCode } : {}),
        message: error.status === 401 ? "the runtime token was refused (expired, or not this service's)" : error.status === 403 ? "the runtime token may not do this (no write scope?)" : (error.twirpMessage ?? "failed"),
        cause: error,
      });
    }
  }
}

/** The service of a resolved `type=gha`, with the tries and waits of the tuning (its Azure side's) and the option's `timeout`. */
export function serviceFor(options: Pick<GhaCacheOptions, "serviceUrl" | "token" | "timeoutMs">, tuning: GhaTuning): CacheService {
  const { maxTries, retryDelayMs, maxRetryDelayMs, tryTimeoutMs } = tuning.azblob;
  return new CacheService({ baseUrl: options.serviceUrl, token: options.token }, { attempts: maxTries, baseDelayMs: retryDelayMs, maxDelayMs: maxRetryDelayMs, tryTimeoutMs, timeoutMs: options.timeoutMs });
}

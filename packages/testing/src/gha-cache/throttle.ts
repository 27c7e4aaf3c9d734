import { isCacheRpc } from "./twirp.js";

interface ThrottleRule {
  remaining: number;
  retryAfterSeconds: number;
  rpc: string | undefined;
}

/**
 * Injected rate limiting: GitHub's cache service answers 429 with Retry-After when a repository
 * calls it too often, and BuildKit's client sleeps exactly that long (cache.go, doWithRetries)
 * while actions/toolkit retries a 429 with its own back-off. Rules are used up in the order given.
 */
export class Throttle {
  readonly #rules: ThrottleRule[] = [];

  add(count: number, retryAfterSeconds: number, rpc?: string): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`throttle(): count must be an integer >= 0, got ${count}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new Error(`throttle(): retryAfterSeconds must be an integer >= 0, got ${retryAfterSeconds}`);
    // A typo would throttle nothing and the test would pass for the wrong reason.
    if (rpc !== undefined && !isCacheRpc(rpc)) throw new Error(`throttle(): ${JSON.stringify(rpc)} is not an RPC this server answers`);
    if (count > 0) this.#rules.push({ remaining: count, retryAfterSeconds, rpc });
  }

  /** The Retry-After (seconds) when this call of `rpc` is to be throttled, and uses up one of the rule's calls. */
  take(rpc: string): number | undefined {
    const index = this.#rules.findIndex((r) => r.rpc === undefined || r.rpc === rpc);
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    if (--rule.remaining === 0) this.#rules.splice(index, 1);
    return rule.retryAfterSeconds;
  }
}

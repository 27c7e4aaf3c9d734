import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { TokenCache, type TokenCacheKey } from "./token-cache.js";

const key = (scopes: string[] = ["repository:a:pull"], registry = "r.example"): TokenCacheKey => ({
  registry,
  realm: "https://auth.example/token",
  service: "svc",
  scopes,
});

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenCache", () => {
  it("returns a token until shortly before expires_in runs out", () => {
    const c = clock();
    const cache = new TokenCache({ now: c.now });
    cache.set(key(), { token: "t1", expiresIn: 300 });
    c.advance(289_000);
    expect(cache.get(key())).toBe("t1");
    c.advance(1_000); // 300 s minus the 10 s margin
    expect(cache.get(key())).toBeUndefined();
  });

  it("treats a missing or zero expires_in as the spec's 60 s, with a 10% margin for short tokens", () => {
    const c = clock();
    const cache = new TokenCache({ now: c.now });
    cache.set(key(), { token: "t", expiresIn: 0 });
    c.advance(53_999);
    expect(cache.get(key())).toBe("t");
    c.advance(1);
    expect(cache.get(key())).toBeUndefined();
  });

  it("honours issued_at, but never a time in the future", () => {
    const c = clock(10_000_000);
    const cache = new TokenCache({ now: c.now });
    cache.set(key(["repository:old:pull"]), { token: "old", expiresIn: 300, issuedAt: new Date(10_000_000 - 200_000) });
    cache.set(key(["repository:future:pull"]), { token: "future", expiresIn: 300, issuedAt: new Date(10_000_000 + 3_600_000) });
    c.advance(89_000);
    expect(cache.get(key(["repository:old:pull"]))).toBe("old");
    expect(cache.get(key(["repository:future:pull"]))).toBe("future");
    c.advance(1_000);
    expect(cache.get(key(["repository:old:pull"]))).toBeUndefined(); // issued 200 s ago, 300 - 10 s
    c.advance(199_000);
    expect(cache.get(key(["repository:future:pull"]))).toBe("future");
    c.advance(1_000);
    expect(cache.get(key(["repository:future:pull"]))).toBeUndefined(); // 290 s counted from receipt, not from the future
  });

  it("does not store a token that is already expired", () => {
    const c = clock(10_000_000);
    const cache = new TokenCache({ now: c.now });
    cache.set(key(), { token: "t", expiresIn: 60, issuedAt: new Date(10_000_000 - 120_000) });
    expect(cache.size).toBe(0);
  });

  it("keys by registry, realm, service and the scope set regardless of order", () => {
    const cache = new TokenCache();
    cache.set(key(["repository:a:pull", "repository:b:push"]), { token: "t", expiresIn: 300 });
    expect(cache.get(key(["repository:b:push", "repository:a:pull"]))).toBe("t");
    expect(cache.get(key(["repository:a:pull"]))).toBeUndefined();
    expect(cache.get(key(["repository:a:pull", "repository:b:push"], "other.example"))).toBeUndefined();
    expect(cache.get({ ...key(["repository:a:pull", "repository:b:push"]), service: "other" })).toBeUndefined();
    expect(cache.get({ ...key(["repository:a:pull", "repository:b:push"]), realm: "https://elsewhere/token" })).toBeUndefined();
  });

  it("invalidates, optionally only when the refused token is the cached one", () => {
    const cache = new TokenCache();
    cache.set(key(), { token: "new", expiresIn: 300 });
    expect(cache.invalidate(key(), "stale")).toBe(false);
    expect(cache.get(key())).toBe("new");
    expect(cache.invalidate(key(), "new")).toBe(true);
    expect(cache.get(key())).toBeUndefined();
    cache.set(key(), { token: "again", expiresIn: 300 });
    expect(cache.invalidate(key())).toBe(true);
    expect(cache.invalidate(key())).toBe(false);
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const cache = new TokenCache({ maxEntries: 2 });
    cache.set(key(["repository:a:pull"]), { token: "a", expiresIn: 300 });
    cache.set(key(["repository:b:pull"]), { token: "b", expiresIn: 300 });
    expect(cache.get(key(["repository:a:pull"]))).toBe("a"); // a is now more recent than b
    cache.set(key(["repository:c:pull"]), { token: "c", expiresIn: 300 });
    expect(cache.size).toBe(2);
    expect(cache.get(key(["repository:b:pull"]))).toBeUndefined();
    expect(cache.get(key(["repository:a:pull"]))).toBe("a");
    expect(cache.get(key(["repository:c:pull"]))).toBe("c");
  });

  it("stays bounded under many keys", () => {
    const cache = new TokenCache({ maxEntries: 10 });
    for (let i = 0; i < 1000; i++) cache.set(key([`repository:r${i}:pull`]), { token: `t${i}`, expiresIn: 300 });
    expect(cache.size).toBe(10);
    expect(cache.get(key(["repository:r999:pull"]))).toBe("t999");
  });

  it("never shows its tokens", () => {
    const cache = new TokenCache();
    cache.set(key(), { token: "very-secret-token-value", expiresIn: 300 });
    expect(inspect(cache)).not.toContain("very-secret-token-value");
    expect(JSON.stringify(cache)).not.toContain("very-secret-token-value");
  });
});

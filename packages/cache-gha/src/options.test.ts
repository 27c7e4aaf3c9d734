import { describe, expect, it } from "vitest";
import { Secret } from "@exp/errors";
import { AttrReader } from "@exp/solver";
import { blobKey, ENTRY_VERSION, indexKey, mutableIndex } from "./keys.js";
import { ghaKeys, parseGhaOptions, type GhaEnvironment } from "./options.js";
import { parseRuntimeToken, writeScope } from "./runtime-token.js";
import { fakeRuntimeToken } from "./test-token.js";

const token = fakeRuntimeToken([{ Scope: "refs/heads/feature", Permission: 3 }, { Scope: "refs/heads/main", Permission: 1 }]);
const parse = (attrs: Record<string, string>, env: GhaEnvironment = {}) => parseGhaOptions(new AttrReader("cache exporter gha", attrs, ghaKeys), env);

describe("type=gha options", () => {
  it("takes the runner's environment as buildx does: ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL make a v2 cache of scope buildkit", () => {
    const options = parse({}, { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: "https://results-receiver.actions.githubusercontent.com/" });
    expect(options.serviceUrl).toBe("https://results-receiver.actions.githubusercontent.com/");
    expect(options.scopes).toEqual(["buildkit"]);
    expect(options.timeoutMs).toBe(600_000);
    expect(options.mode).toBe("min");
    expect(options.runtimeToken.scopes.map((s) => s.scope)).toEqual(["refs/heads/feature", "refs/heads/main"]);
  });

  it("prefers the options to the environment, and reads several scopes, a Go timeout and mode", () => {
    const options = parse({ token, url_v2: "http://127.0.0.1:9/", scope: "app;base", timeout: "90s", mode: "max" }, { ACTIONS_RESULTS_URL: "http://elsewhere/" });
    expect(options).toMatchObject({ serviceUrl: "http://127.0.0.1:9/", scopes: ["app", "base"], timeoutMs: 90_000, mode: "max" });
  });

  it("takes url for v2 when version=2 and no url_v2 is given (BuildKit's getConfig)", () => {
    expect(parse({ token, version: "2", url: "http://127.0.0.1:9/" }).serviceUrl).toBe("http://127.0.0.1:9/");
    expect(parse({ token, url: "http://127.0.0.1:9/" }, { ACTIONS_CACHE_SERVICE_V2: "true" }).serviceUrl).toBe("http://127.0.0.1:9/");
  });

  it("refuses the legacy v1 service, asked for or implied by a v1 URL alone, saying why", () => {
    expect(() => parse({ token, version: "1", url_v2: "http://x/" })).toThrow(/version.*legacy cache service \(v1\) was shut down/);
    expect(() => parse({ token }, { ACTIONS_CACHE_URL: "https://artifactcache.actions.githubusercontent.com/abc/" })).toThrow(/from url \/ ACTIONS_CACHE_URL/);
    expect(() => parse({ token, version: "3", url_v2: "http://x/" })).toThrow(/"3" for "version"/);
  });

  it("refuses repository and ghtoken, which would change nothing, without echoing the token", () => {
    expect(() => parse({ token, url_v2: "http://x/", repository: "o/r" })).toThrow(/"o\/r" for "repository".*REST API/);
    let message = "";
    try {
      parse({ token, url_v2: "http://x/", ghtoken: "ghp_secretvalue123" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/ghtoken/);
    expect(message).not.toContain("ghp_secretvalue123");
  });

  it("requires a token and a URL, naming the variable that would give them", () => {
    expect(() => parse({ url_v2: "http://x/" })).toThrow(/ACTIONS_RUNTIME_TOKEN/);
    expect(() => parse({ token })).toThrow(/ACTIONS_RESULTS_URL/);
    expect(() => parse({ token, url_v2: "ftp://x/" })).toThrow(/an http:\/\/ or https:\/\/ URL/);
    expect(() => parse({ token, url_v2: "http://x/", scope: "a;;b" })).toThrow(/none empty/);
    expect(() => parse({ token, url_v2: "http://x/", timeout: "ten minutes" })).toThrow(/"ten minutes" for "timeout"/);
  });
});

describe("the runtime token", () => {
  it("gives its scopes and the one an export writes (the last writable, as BuildKit's indexKey loop)", () => {
    const parsed = parseRuntimeToken(new Secret(token), "gha");
    expect(writeScope(parsed)).toBe("refs/heads/feature");
    expect(writeScope(parseRuntimeToken(new Secret(fakeRuntimeToken([{ Scope: "refs/heads/main", Permission: 1 }])), "gha"))).toBeUndefined();
  });

  it("refuses what go-actions-cache refuses, never printing the token", () => {
    const secret = fakeRuntimeToken([], { exp: Math.floor(Date.now() / 1000) - 10 });
    const expired = () => parseRuntimeToken(new Secret(secret), "gha");
    expect(expired).toThrow(/expired at/);
    try {
      expired();
    } catch (error) {
      expect(String(error)).not.toContain(secret.split(".")[1]);
    }
    expect(() => parseRuntimeToken(new Secret("not-a-jwt"), "gha")).toThrow(/not a JWT/);
    expect(() => parseRuntimeToken(new Secret(fakeRuntimeToken([], { ac: undefined })), "gha")).toThrow(/no "ac"/);
    expect(() => parseRuntimeToken(new Secret(fakeRuntimeToken([], { nbf: Math.floor(Date.now() / 1000) + 600 })), "gha")).toThrow(/not valid before/);
  });
});

describe("BuildKit's keys", () => {
  it("names blobs, indexes and the entry version as cache/remotecache/gha and go-actions-cache do", () => {
    // Expected values from the shell: printf 'refs/heads/main' | sha256sum; printf '|go-actionscache-1.0' | sha256sum
    expect(indexKey("refs/heads/main", "buildkit")).toBe("index-buildkit-1-f921bd05");
    expect(ENTRY_VERSION).toBe("693bb7016429d80366022f036f84856888c9f13e00145f5f6f4dce303a38d6f2");
    expect(blobKey("sha256:abc")).toBe("buildkit-blob-1-sha256:abc");
    expect(mutableIndex("index-buildkit-1-f921bd05#12", "index-buildkit-1-f921bd05")).toBe(12);
    expect(mutableIndex("index-buildkit-1-f921bd05x#1", "index-buildkit-1-f921bd05")).toBeUndefined();
  });
});

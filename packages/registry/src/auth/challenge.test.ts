import { describe, expect, it } from "vitest";
import { parseChallenges } from "./challenge.js";

describe("parseChallenges", () => {
  it("reads a distribution Bearer challenge, keeping commas inside quotes", () => {
    expect(
      parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"'),
    ).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:a/b:pull,push" } },
    ]);
  });

  it("reads a Basic challenge", () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
  });

  it("splits several challenges in one header", () => {
    const challenges = parseChallenges('Basic realm="a, b", Bearer realm="https://t/token", service=reg , Digest realm="x", nonce="n"');
    expect(challenges).toEqual([
      { scheme: "basic", params: { realm: "a, b" } },
      { scheme: "bearer", params: { realm: "https://t/token", service: "reg" } },
      { scheme: "digest", params: { realm: "x", nonce: "n" } },
    ]);
  });

  it("treats scheme and parameter names case-insensitively", () => {
    expect(parseChallenges('BEARER Realm="r", SERVICE="s"')).toEqual([{ scheme: "bearer", params: { realm: "r", service: "s" } }]);
  });

  it("unescapes quoted-pairs", () => {
    expect(parseChallenges('Basic realm="say \\"hi\\" \\\\ there"')[0]?.params.realm).toBe('say "hi" \\ there');
  });

  it("allows whitespace around '=' and a scheme without params", () => {
    expect(parseChallenges('Bearer realm = "r" , Negotiate')).toEqual([
      { scheme: "bearer", params: { realm: "r" } },
      { scheme: "negotiate", params: {} },
    ]);
  });

  it("skips token68 blobs instead of reading them as params", () => {
    expect(parseChallenges('Negotiate abc/def+ghi==, Basic realm="r"')).toEqual([
      { scheme: "negotiate", params: {} },
      { scheme: "basic", params: { realm: "r" } },
    ]);
  });

  it("takes bare URLs as unquoted values", () => {
    expect(parseChallenges("Bearer realm=https://auth.example.com/token,service=reg")[0]?.params).toEqual({
      realm: "https://auth.example.com/token",
      service: "reg",
    });
  });

  it("keeps what it can from an unterminated quote", () => {
    expect(parseChallenges('Bearer realm="https://x/token, service="s')[0]?.params.realm).toBe("https://x/token, service=");
  });

  it("accepts several header values", () => {
    expect(parseChallenges(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.scheme)).toEqual(["basic", "bearer"]);
  });

  it("returns nothing for empty or garbage input, without throwing", () => {
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges(" , ,")).toEqual([]);
    expect(() => parseChallenges('=== "" ;;; @@')).not.toThrow();
  });
});

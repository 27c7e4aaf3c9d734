import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  anonymousCredentials,
  basicAuthorization,
  basicCredentials,
  identityTokenCredentials,
  registryTokenCredentials,
  sealCredentials,
  type Credentials,
} from "./credentials.js";
import { redactSecrets, REDACTED } from "./redact.js";
import { sealTokenResponse } from "./token-response.js";

const password = "hunter2-Pa55word";
const token = "idtok-3f9a8b7c6d5e4f";

function everyView(value: unknown): string[] {
  return [
    JSON.stringify(value),
    JSON.stringify({ nested: { value } }),
    inspect(value),
    inspect({ nested: [value] }, { depth: 10 }),
    String(value),
    `${value as string}`,
  ];
}

describe("credential objects", () => {
  const cases: Array<[string, Credentials, string]> = [
    ["basic", basicCredentials("alice", password), password],
    ["identity-token", identityTokenCredentials(token), token],
    ["registry-token", registryTokenCredentials(token), token],
    ["sealed plain object", sealCredentials({ username: "alice", password }), password],
    ["sealed literal", sealCredentials({ kind: "identity-token", token }), token],
  ];

  it.each(cases)("%s never shows its secret", (_name, credentials, secret) => {
    for (const view of everyView(credentials)) {
      expect(view).not.toContain(secret);
    }
    expect(JSON.stringify(credentials)).toContain(REDACTED);
  });

  it("still exposes the secret to code that reads the field", () => {
    const credentials = basicCredentials("alice", password);
    expect(credentials.kind === "basic" && credentials.password).toBe(password);
    expect(JSON.parse(JSON.stringify(credentials))).toEqual({ kind: "basic", username: "alice", password: REDACTED });
    expect(inspect(credentials)).toContain("alice");
  });

  it("is frozen", () => {
    const credentials = basicCredentials("alice", password) as { password: string };
    expect(() => {
      credentials.password = "x";
    }).toThrow(TypeError);
  });

  it("keeps the kind for anonymous", () => {
    expect(JSON.stringify(anonymousCredentials())).toBe('{"kind":"anonymous"}');
  });

  it("builds a Basic header only for basic credentials", () => {
    expect(basicAuthorization(basicCredentials("a", "b:c"))).toBe(`Basic ${Buffer.from("a:b:c").toString("base64")}`);
    expect(basicAuthorization(identityTokenCredentials(token))).toBeUndefined();
  });
});

describe("TokenResponse redaction", () => {
  it("hides token and refresh token", () => {
    const response = sealTokenResponse({ token, expiresIn: 300, refreshToken: "refresh-9a8b7c6d5e" });
    for (const view of everyView(response)) {
      expect(view).not.toContain(token);
      expect(view).not.toContain("refresh-9a8b7c6d5e");
    }
    expect(JSON.parse(JSON.stringify(response))).toMatchObject({ expiresIn: 300, token: REDACTED });
    expect(response.token).toBe(token);
  });
});

describe("redactSecrets", () => {
  it("removes known secrets exactly", () => {
    expect(redactSecrets(`bad password ${password} given`, [password])).toBe(`bad password ${REDACTED} given`);
  });

  it("removes labelled values, JWTs and long key-like strings", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl";
    const text = `password=abc Secret: "s3cr3t" Authorization: Bearer xyz jwt ${jwt} key ghp_1234567890abcdefABCDEF123456`;
    const result = redactSecrets(text);
    for (const secret of ["abc", "s3cr3t", "xyz", jwt, "ghp_1234567890abcdefABCDEF123456"]) {
      expect(result).not.toContain(secret);
    }
  });

  it("removes a long secret with punctuation whole, not just the part before the punctuation", () => {
    const secret = "s3cr3t-HELPER-9f2c0a1b2c3d@/+x4e5f6a7b";
    const result = redactSecrets(`error: keychain entry holds ${secret} which was rejected`);
    expect(result).toBe(`error: keychain entry holds ${REDACTED} which was rejected`);
  });

  it("keeps ordinary words", () => {
    const text = "credentials not found in native keychain";
    expect(redactSecrets(text)).toBe(text);
  });
});

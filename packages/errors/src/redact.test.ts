import { describe, expect, it } from "vitest";
import { maskCredentials, redactSecrets } from "./index.js";

describe("redactSecrets", () => {
  it("masks every declared secret wherever it appears, the longest first, and ignores empty ones", () => {
    expect(redactSecrets("abc and abcdef and abc", ["abc", "abcdef", ""])).toBe("**** and **** and ****");
  });

  it("masks credential-looking text with no secret declared", () => {
    expect(redactSecrets("https://me:pw1234@host/x")).toBe("https://me:****@host/x");
    expect(redactSecrets("cache spec 'type=s3,secret_access_key=AKIAXYZ,bucket=b'")).toBe("cache spec 'type=s3,secret_access_key=****,bucket=b'");
    expect(maskCredentials("authorization: Basic dXNlcjpwYXNz")).toBe("authorization: Basic ****");
  });
});

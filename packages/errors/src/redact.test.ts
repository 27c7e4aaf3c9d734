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

  it("masks a spec's own secret attributes wherever the spec starts, not only after a comma or a quote", () => {
    expect(redactSecrets("error: --cache-to secret_access_key=AKIAXYZ,type=s3 is refused")).toBe("error: --cache-to secret_access_key=****,type=s3 is refused");
    expect(redactSecrets("--cache-to=session_token=abc,type=s3")).toBe("--cache-to=session_token=****,type=s3");
    expect(redactSecrets("--cache-to ghtoken=ghp_x type=gha")).toBe("--cache-to ghtoken=**** type=gha");
    // A name that only ends like one is left alone, unless it stands at a CSV field's start.
    expect(redactSecrets("see mytoken=visible")).toBe("see mytoken=visible");
  });

  it("leaves the sentence's full stop after a token, and masks a JWT's dots with it", () => {
    expect(redactSecrets("sent Bearer abcdef1234567.")).toBe("sent Bearer ****.");
    expect(redactSecrets("Bearer eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJ done")).toBe("Bearer **** done");
  });
});

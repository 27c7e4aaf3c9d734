import { describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { isLoopbackHost, parseLoopbackUrl } from "./loopback.js";

describe("isLoopbackHost", () => {
  it.each(["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:7f00:1]"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(["10.0.0.1", "0.0.0.0", "128.0.0.1", "::", "::2", "[::ffff:a00:1]", "example.com", "localhost.example.com", "127.0.0.1.nip.io", ""])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it("judges what URL parsing leaves of an address", () => {
    expect(parseLoopbackUrl("http://[::ffff:127.0.0.1]:5000/").port).toBe("5000");
    expect(() => parseLoopbackUrl("http://0x7f000001.example/")).toThrow();
    let error: unknown;
    try {
      parseLoopbackUrl("http://169.254.169.254/");
    } catch (e) {
      error = e;
    }
    expect(isExpError(error, "ERR_NON_LOOPBACK_TARGET")).toBe(true);
  });
});

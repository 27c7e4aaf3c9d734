import { describe, expect, it } from "vitest";
import { RegistryProtocolError } from "../errors.js";
import { receivedBytes } from "./upload-session.js";

describe("receivedBytes (an upload status's Range)", () => {
  it("reads 0-N as N+1 bytes received", () => {
    expect(receivedBytes("0-16777215", "push")).toBe(16 * 1024 * 1024);
    expect(receivedBytes("bytes=0-99", "push")).toBe(100);
  });

  it("reads a missing Range, and distribution's 0-0, as nothing received", () => {
    expect(receivedBytes(undefined, "push")).toBe(0);
    expect(receivedBytes("0-0", "push")).toBe(0);
  });

  it("refuses a Range that does not start at 0, naming it", () => {
    for (const range of ["5-10", "bytes 0-9/10", "0-", "abc"]) {
      const error = (() => {
        try {
          return receivedBytes(range, "pushing blob x");
        } catch (e) {
          return e;
        }
      })();
      expect(error, range).toBeInstanceOf(RegistryProtocolError);
      expect(String((error as Error).message)).toContain(JSON.stringify(range));
    }
  });
});

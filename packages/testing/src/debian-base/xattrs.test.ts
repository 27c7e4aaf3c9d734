import { describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { parseGetfattr } from "./xattrs.js";

describe("parseGetfattr", () => {
  it("reads getfattr's dump, decoding octal escapes in names", () => {
    const out = [
      "# file: /r/a b",
      "user.t=0x31",
      "user.empty=0x",
      "",
      "# file: /r/n\\012l\\134x",
      "security.capability=0x0100000200040000",
      "user.bare",
      "",
      "# file: /r/\\303\\274",
      "user.e\\075q=0x32",
      "",
    ].join("\n");
    expect(Object.fromEntries(parseGetfattr(out))).toEqual({
      "/r/a b": { "user.t": "0x31", "user.empty": "0x" },
      "/r/n\nl\\x": { "security.capability": "0x0100000200040000", "user.bare": "0x" },
      "/r/ü": { "user.e=q": "0x32" },
    });
  });

  it("refuses output it does not understand", () => {
    let error: unknown;
    try {
      parseGetfattr("user.t=0x31\n");
    } catch (e) {
      error = e;
    }
    expect(isExpError(error, "ERR_TOOL_FAILED")).toBe(true);
  });
});

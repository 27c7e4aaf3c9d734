import { describe, expect, it } from "vitest";
import { goHealthcheck, goList, goQuote, goQuotedList } from "./go-format.js";

describe("Go fmt verbs used in history", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["C:\\dir", '"C:\\\\dir"'],
    ["a\tb\nc", '"a\\tb\\nc"'],
    ["\x00\x7f", '"\\x00\\x7f"'],
    ["héllo ✓", '"héllo ✓"'],
    ["\u00a0", '"\\u00a0"'],
  ])("strconv.Quote(%j) = %s", (text, quoted) => {
    expect(goQuote(text)).toBe(quoted);
  });

  it("formats string slices with %q and %v", () => {
    expect(goQuotedList(["/bin/sh", "-c", "echo hi"])).toBe('["/bin/sh" "-c" "echo hi"]');
    expect(goQuotedList([])).toBe("[]");
    expect(goList(["/bin/bash", "-c"])).toBe("[/bin/bash -c]");
  });

  it("formats a healthcheck with %+v", () => {
    expect(goHealthcheck({ Test: ["NONE"] })).toBe("{Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}");
    expect(goHealthcheck({ Test: ["CMD", "true"], StartPeriod: 5e9, StartInterval: 1.5e9, Retries: 2 })).toBe(
      "{Test:[CMD true] Interval:0s Timeout:0s StartPeriod:5s StartInterval:1.5s Retries:2}",
    );
  });
});

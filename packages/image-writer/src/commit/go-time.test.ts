import { describe, expect, it } from "vitest";
import { goTime } from "./go-time.js";

describe("goTime", () => {
  it("writes times as Go's encoding/json and time.RFC3339 do", () => {
    expect(goTime(new Date(1_700_000_000_000))).toBe("2023-11-14T22:13:20Z");
    expect(goTime(new Date(1_700_000_000_120))).toBe("2023-11-14T22:13:20.12Z");
    expect(goTime(new Date(1_700_000_000_100))).toBe("2023-11-14T22:13:20.1Z");
    expect(goTime(new Date(1_700_000_000_120), "RFC3339")).toBe("2023-11-14T22:13:20Z");
  });
});

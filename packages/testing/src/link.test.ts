import { describe, expect, it } from "vitest";
import { Link } from "./link.js";

describe("Link", () => {
  it("lets bytes through at its rate, shared between concurrent senders", async () => {
    const link = new Link({ bytesPerSecond: 1_000_000 });
    const started = performance.now();
    // 3 × 50 kB at 1 MB/s: 150 ms in all, whoever sends them.
    await Promise.all([link.send(50_000), link.send(50_000), link.send(50_000)]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(145);
  });

  it("refuses a link without bandwidth", () => {
    expect(() => new Link({ bytesPerSecond: 0 })).toThrow(/above 0/);
  });
});

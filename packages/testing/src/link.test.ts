import { describe, expect, it } from "vitest";
import { Link } from "./link.js";

/** A clock that only moves when told to: every wait is recorded, none is slept. */
function fakeClock() {
  const waits: number[] = [];
  return { waits, clock: { now: () => 0, sleep: async (ms: number) => void waits.push(ms) } };
}

describe("Link", () => {
  it("queues concurrent senders behind each other at its rate, as one shared uplink", async () => {
    const { waits, clock } = fakeClock();
    const link = new Link({ bytesPerSecond: 1_000_000, burstMs: 0 }, clock);
    // 3 × 50 kB at 1 MB/s, all sent at time 0: they finish at 50, 100 and 150 ms.
    await Promise.all([link.send(50_000), link.send(50_000), link.send(50_000)]);
    expect(waits).toEqual([50, 100, 150]);
  });

  it("lets senders run ahead by the burst allowance, then drains the whole backlog in one wait", async () => {
    const { waits, clock } = fakeClock();
    const link = new Link({ bytesPerSecond: 1_000_000, burstMs: 100 }, clock);
    // 10 kB chunks are 10 ms each: ten go at once, the eleventh waits for all 110 ms.
    for (let i = 0; i < 11; i++) await link.send(10_000);
    expect(waits).toEqual([110]);
  });

  it("adds its latency, and refuses a link without bandwidth", async () => {
    const { waits, clock } = fakeClock();
    await new Link({ bytesPerSecond: 1, latencyMs: 20 }, clock).latency();
    expect(waits).toEqual([20]);
    expect(() => new Link({ bytesPerSecond: 0 })).toThrow(/above 0/);
  });
});

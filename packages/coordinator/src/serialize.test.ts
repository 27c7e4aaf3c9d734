import { describe, expect, it } from "vitest";
import { deferred } from "./testing/barrier.js";
import { serialize } from "./serialize.js";

describe("serialize", () => {
  it("starts a call only when the one before it has ended, in call order, even if it failed", async () => {
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const run = serialize(async (i: number) => {
      started.push(i);
      await gates[i]!.promise;
      if (i === 0) throw new Error("first fails");
      return i;
    });
    const calls = [run(0), run(1), run(2)];
    await Promise.resolve();
    expect(started).toEqual([0]);
    gates[0]!.reject(new Error("first fails"));
    await expect(calls[0]).rejects.toThrow("first fails");
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(calls.slice(1))).toEqual([1, 2]);
    expect(started).toEqual([0, 1, 2]);
  });
});

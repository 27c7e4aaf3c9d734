import { describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { until } from "./__fixtures__/helpers.js";
import { KeyedMutex, RwLock } from "./lock.js";

describe("RwLock", () => {
  it("grants shared holders together and makes exclusive wait for all of them", async () => {
    const lock = new RwLock();
    const r1 = await lock.shared();
    const r2 = await lock.shared();
    let exclusiveHeld = false;
    const w = lock.exclusive().then((release) => {
      exclusiveHeld = true;
      return release;
    });
    await until(() => lock.state.waiting === 1);
    r1();
    await Promise.resolve();
    expect(exclusiveHeld).toBe(false);
    r2();
    (await w)();
    expect(exclusiveHeld).toBe(true);
    expect(lock.state).toEqual({ readers: 0, writer: false, waiting: 0 });
  });

  it("serves waiters in order, so readers arriving after a waiting writer queue behind it", async () => {
    const lock = new RwLock();
    const order: string[] = [];
    const r1 = await lock.shared();
    const w = lock.exclusive().then((release) => {
      order.push("writer");
      release();
    });
    const r2 = lock.shared().then((release) => {
      order.push("late reader");
      release();
    });
    order.push("first reader done");
    r1();
    await Promise.all([w, r2]);
    expect(order).toEqual(["first reader done", "writer", "late reader"]);
  });

  it("an aborted waiter leaves the queue and unblocks those behind it", async () => {
    const lock = new RwLock();
    const r1 = await lock.shared();
    const controller = new AbortController();
    const w = lock.exclusive({ signal: controller.signal });
    const r2 = lock.shared();
    await until(() => lock.state.waiting === 2);
    controller.abort();
    await expect(w).rejects.toBeInstanceOf(AbortedError);
    (await r2)();
    r1();
    expect(lock.state).toEqual({ readers: 0, writer: false, waiting: 0 });
  });
});

describe("KeyedMutex", () => {
  it("runs work for one key one at a time, other keys in parallel", async () => {
    const mutex = new KeyedMutex();
    let active = 0;
    let maxActive = 0;
    const work = () =>
      mutex.run("k", async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setImmediate(resolve));
        active--;
      });
    let otherRan = false;
    await Promise.all([work(), work(), work(), mutex.run("other", async () => void (otherRan = active > 0))]);
    expect(maxActive).toBe(1);
    expect(otherRan).toBe(true);
  });
});

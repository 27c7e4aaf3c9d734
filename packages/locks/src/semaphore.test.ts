import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.js";

describe("Semaphore", () => {
  it("admits at most `size` holders and wakes waiters in order", async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const order: string[] = [];
    const c = semaphore.acquire().then((r) => (order.push("c"), r));
    const d = semaphore.acquire().then((r) => (order.push("d"), r));
    await Promise.resolve();
    expect(semaphore.inUse).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    expect(semaphore.inUse).toBe(0);
  });

  it("lets a waiter give up through its signal", async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED" });
    held();
    expect(semaphore.inUse).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { stopOnce } from "./abort.js";

describe("stopOnce", () => {
  it("runs every step once, in order, the later ones even when one fails, and throws the first failure", async () => {
    const ran: string[] = [];
    const stop = stopOnce(undefined, [
      async () => {
        ran.push("child");
        throw new Error("kill failed");
      },
      async () => void ran.push("cleanup"),
    ]);
    await expect(stop()).rejects.toThrow("kill failed");
    await expect(stop()).rejects.toThrow("kill failed");
    expect(ran).toEqual(["child", "cleanup"]);
  });

  it("stops when the signal fires, also when it fired before", async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const stop = stopOnce(controller.signal, [async () => void ran.push("child")]);
    controller.abort();
    await stop();
    expect(ran).toEqual(["child"]);
    const late = stopOnce(AbortSignal.abort(), [async () => void ran.push("again")]);
    await late();
    expect(ran).toEqual(["child", "again"]);
  });
});

import { describe, expect, it } from "vitest";
import { HostLimiters } from "./limiter.js";

describe("HostLimiters", () => {
  it("limits blobs per host and keeps manifests apart", async () => {
    const limiters = new HostLimiters({ blobs: 1, manifests: 1 });
    const releaseBlob = await limiters.get("r:5000", "blob").acquire();
    // A manifest on the same host and a blob on another host are not blocked.
    (await limiters.get("r:5000", "manifest").acquire())();
    (await limiters.get("other:5000", "blob").acquire())();
    let second = false;
    const next = limiters.run("r:5000", "blob", undefined, async () => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    releaseBlob();
    await next;
    expect(second).toBe(true);
  });
});

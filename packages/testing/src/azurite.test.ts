import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { AZURITE_INSTALL_HINT, azuriteAvailable, startAzurite } from "./azurite.js";
import { httpRequest } from "./http-request.js";
import { skipUnless } from "./prerequisites.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("startAzurite", () => {
  it("serves the blob service on loopback with its own data directory, refuses anonymous listing as Azure does, and stop() ends it and removes its data", async () => {
    const azurite = await startAzurite();
    try {
      expect(azurite.accountUrl).toBe(`http://${azurite.host}/devstoreaccount1`);
      expect(azurite.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.accountUrl};`);
      expect(alive(azurite.pid)).toBe(true);
      const answer = await httpRequest(`${azurite.accountUrl}?comp=list`);
      expect(answer.status).toBe(403);
      expect(answer.body.toString("utf8")).toMatch(/<Code>\w+<\/Code>/);
      expect(existsSync(azurite.dataDir)).toBe(true);
    } finally {
      await azurite.stop();
    }
    expect(alive(azurite.pid)).toBe(false);
    expect(existsSync(azurite.dataDir)).toBe(false);
    await azurite.stop(); // a second stop is a no-op
  });

  it("two servers get two ports and two data directories", async () => {
    const [a, b] = await Promise.all([startAzurite(), startAzurite()]);
    try {
      expect(a.host).not.toBe(b.host);
      expect(a.dataDir).not.toBe(b.dataDir);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("an aborted start rejects with AbortedError", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(startAzurite({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });
});

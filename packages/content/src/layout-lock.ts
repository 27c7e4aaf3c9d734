import { open, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { ExpError } from "@exp/errors";

const staleMs = 60_000;

/**
 * Holds `<dir>/index.json.lock` (created exclusively) while `work` runs, so two exports into one
 * cache directory never lose each other's index.json entry, as BuildKit's client does with flock.
 * A lock older than a minute is taken to belong to a process that died and is broken.
 */
export async function withLayoutLock<T>(path: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5 * staleMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > staleMs) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ExpError("ERR_CACHE_LOCKED", `${path} has been locked for too long; another export is stuck, or remove the file`, { fault: "server" });
      await sleep(Math.min(500, 10 * 2 ** attempt), undefined, { signal });
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

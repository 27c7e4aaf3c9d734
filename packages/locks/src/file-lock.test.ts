import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AbortedError, isExpError } from "@exp/errors";
import { acquireFileLock, withFileLock } from "./file-lock.js";

/** A pid that was a process a moment ago and is gone now. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;

describe("acquireFileLock", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-file-lock-"));
    path = join(dir, "thing.lock");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names its holder with a token of its own while held, and removes the lock on release", async () => {
    const lock = await acquireFileLock(path);
    expect(lock.waited).toBe(false);
    expect(lock.holder).toMatch(new RegExp(`^${process.pid} ${hostname()} [0-9a-f]{16}$`));
    expect(await readFile(path, "utf8")).toBe(lock.holder);
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(true); // a second call does nothing more
    expect(await readdir(dir)).toEqual([]);
  });

  it("makes a second taker wait for the first, and tells it that it waited", async () => {
    const events: string[] = [];
    const first = withFileLock(path, {}, async (lock) => {
      events.push(`a waited=${lock.waited}`);
      await sleep(150);
      events.push("a done");
    });
    await sleep(20);
    const second = withFileLock(path, {}, async (lock) => void events.push(`b waited=${lock.waited}`));
    await Promise.all([first, second]);
    expect(events).toEqual(["a waited=false", "a done", "b waited=true"]);
  });

  it("breaks at once a lock whose holder on this host is dead, in this version's form and in earlier ones", async () => {
    for (const holder of [`${deadPid()} ${hostname()} 0123456789abcdef`, `${deadPid()} ${hostname()}`]) {
      await writeFile(path, holder);
      const started = Date.now();
      const lock = await acquireFileLock(path, { signal: AbortSignal.timeout(5_000) });
      expect(lock.waited).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      await lock.release();
    }
  });

  it("breaks a lock nobody refreshes once it is stale, but never one whose live holder refreshes it", async () => {
    await writeFile(path, "1 elsewhere.example x");
    const old = new Date(Date.now() - 10_000);
    await utimes(path, old, old);
    await (await acquireFileLock(path, { staleMs: 1_000 })).release();

    const events: string[] = [];
    const holder = withFileLock(path, { staleMs: 300, heartbeatMs: 50 }, async () => {
      await sleep(900);
      events.push("holder done");
    });
    await sleep(50);
    await withFileLock(path, { staleMs: 300 }, async () => void events.push("waiter ran"));
    await holder;
    expect(events).toEqual(["holder done", "waiter ran"]);
  });

  it("a holder whose lock was broken and taken by another leaves the other's lock alone on release", async () => {
    const a = await acquireFileLock(path, { heartbeatMs: 60_000 });
    // A froze past the stale limit: B breaks its lock and takes it.
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const b = await acquireFileLock(path, { signal: AbortSignal.timeout(5_000) });
    expect(b.waited).toBe(true);
    expect(await a.release()).toBe(false);
    expect(await readFile(path, "utf8")).toBe(b.holder);
    await expect(acquireFileLock(path, { signal: AbortSignal.timeout(200) })).rejects.toBeInstanceOf(AbortedError);
    expect(await b.release()).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a waiter stops with AbortedError naming its wait when its signal fires, leaving the holder's lock alone", async () => {
    const held = await acquireFileLock(path);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("ctrl-c")), 50);
    const error = await acquireFileLock(path, { signal: controller.signal, what: "waiting to push x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).message).toBe("waiting to push x was aborted: ctrl-c");
    expect(await readFile(path, "utf8")).toBe(held.holder);
    await held.release();
  });

  it("gives up with ERR_LOCK_TIMEOUT after maxWaitMs behind a live holder", async () => {
    const held = await acquireFileLock(path);
    const error = await acquireFileLock(path, { maxWaitMs: 200 }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_LOCK_TIMEOUT")).toBe(true);
    expect((error as Error).message).toContain(held.holder);
    await held.release();
  });

  it("reports a lock it cannot create as ERR_LOCK_IO naming the path, unless told to create the directory", async () => {
    const nested = join(dir, "a", "b", "x.lock");
    const error = await acquireFileLock(nested).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_LOCK_IO")).toBe(true);
    expect((error as Error).message).toContain(nested);
    await (await acquireFileLock(nested, { createDir: true })).release();
  });

  it("removes the temp files dead takers of the same lock left beside it, and nothing else", async () => {
    const gone = deadPid();
    const names = {
      dead: `.thing.lock.${gone}-0123456789abcdef.tmp`,
      deadOldPush: `thing.lock.${gone}-0123456789abcdef.tmp`,
      deadOldLayout: `.thing_lock.${gone}-0123456789abcdef.tmp`,
      live: `.thing.lock.${process.pid}-0123456789abcdef.tmp`,
      otherLock: `.other.lock.${gone}-0123456789abcdef.tmp`,
      notOurs: `.thing_json.${gone}-0123456789abcdef.tmp`,
    };
    for (const name of Object.values(names)) await writeFile(join(dir, name), "x");
    await (await acquireFileLock(path)).release();
    expect((await readdir(dir)).sort()).toEqual([names.live, names.otherLock, names.notOurs].sort());
  });
});

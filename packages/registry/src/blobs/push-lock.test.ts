import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { filePushLocks } from "./push-lock.js";

const key = { registry: "r.example", repository: "app", digest: "sha256:aa" };

describe("filePushLocks", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-push-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Two lock sets on one directory behave as two processes sharing a store. */
  it("a second holder of the same key waits for the first, is told it waited, and the lock is gone after", async () => {
    const [a, b] = [filePushLocks(dir), filePushLocks(dir)];
    const events: string[] = [];
    const first = a.run(key, undefined, async (waited) => {
      events.push(`a start waited=${waited}`);
      await sleep(150);
      events.push("a end");
    });
    await sleep(20);
    const second = b.run(key, undefined, async (waited) => {
      events.push(`b start waited=${waited}`);
    });
    await Promise.all([first, second]);
    expect(events).toEqual(["a start waited=false", "a end", "b start waited=true"]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("different repositories or digests do not wait for each other", async () => {
    const locks = filePushLocks(dir);
    let overlap = 0;
    let running = 0;
    const work = async () => {
      running++;
      overlap = Math.max(overlap, running);
      await sleep(50);
      running--;
    };
    await Promise.all([locks.run(key, undefined, work), locks.run({ ...key, repository: "other" }, undefined, work), locks.run({ ...key, digest: "sha256:bb" }, undefined, work)]);
    expect(overlap).toBe(3);
  });

  it("breaks at once a lock whose holder on this host has died", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await filePushLocks(dir).run(key, undefined, async () => {
      // Replace our own lock file by one of a dead process, as a SIGKILLed build leaves it.
      const [name] = await readdir(dir);
      await writeFile(join(dir, name!), `${dead} ${hostname()} x`);
    });
    const [name] = await readdir(dir);
    expect(name).toBeDefined(); // ours was not removed: it was not ours any more
    const started = Date.now();
    await filePushLocks(dir).run(key, undefined, async () => undefined);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("breaks a lock nobody refreshes (another host's holder) once it is stale, but not one whose holder refreshes it", async () => {
    await filePushLocks(dir).run(key, undefined, async () => {
      const [name] = await readdir(dir);
      await writeFile(join(dir, name!), `1 elsewhere.example x`);
      const old = new Date(Date.now() - 10_000);
      await utimes(join(dir, name!), old, old);
    });
    await filePushLocks(dir, { staleMs: 1000 }).run(key, undefined, async (waited) => expect(waited).toBe(true));

    // A live holder working longer than staleMs keeps its lock through its heartbeat.
    const events: string[] = [];
    const holder = filePushLocks(dir, { staleMs: 300, heartbeatMs: 50 }).run(key, undefined, async () => {
      await sleep(900);
      events.push("holder done");
    });
    await sleep(50);
    await filePushLocks(dir, { staleMs: 300 }).run(key, undefined, async () => void events.push("waiter ran"));
    await holder;
    expect(events).toEqual(["holder done", "waiter ran"]);
  });

  it("a waiter stops with AbortedError when its signal fires, leaving the holder's lock alone", async () => {
    const controller = new AbortController();
    let release!: () => void;
    const holding = filePushLocks(dir).run(key, undefined, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    const waiting = filePushLocks(dir).run(key, controller.signal, async () => undefined);
    setTimeout(() => controller.abort(new Error("ctrl-c")), 50);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(await readdir(dir)).toHaveLength(1);
    release();
    await holding;
  });

  it("never fails a push: without a usable directory the work runs unlocked", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "");
    expect(await filePushLocks(join(file, "locks")).run(key, undefined, async (waited) => `ran waited=${waited}`)).toBe("ran waited=false");
  });

  it("a build killed at any step of taking the lock never leaves a lock the next push must wait out", async () => {
    const child = join(dirname(fileURLToPath(import.meta.url)), "__fixtures__", "push-lock-kill-child.ts");
    const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
    // Kill before each filesystem call in turn, until the child gets through them all.
    for (let killAt = 1; ; killAt++) {
      const lockDir = join(dir, `kill-${killAt}`);
      const proc = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", child, lockDir, String(killAt)], { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => proc.once("close", (_code, s) => resolve(s)));
      // A lock it left names it (so it is broken at once); an empty one would stall us for a minute.
      for (const name of (await readdir(lockDir).catch(() => [] as string[])).filter((n) => n.endsWith(".lock"))) {
        expect(await readFile(join(lockDir, name), "utf8"), `lock left at call ${killAt}`).toMatch(new RegExp(`^${proc.pid} ${hostname()} `));
      }
      expect(await filePushLocks(lockDir).run(key, AbortSignal.timeout(5_000), async () => "pushed")).toBe("pushed");
      // And the next holder cleans up the temp file a kill between writing and linking it left.
      expect(await readdir(lockDir).catch(() => [] as string[]), `left at call ${killAt}`).toEqual([]);
      if (signal === null) {
        expect(out).toBe("done\n");
        break;
      }
      expect(signal).toBe("SIGKILL");
    }
  }, 60_000);
});

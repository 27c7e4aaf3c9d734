// Child process for the push-lock crash test: takes the push lock for one key in the directory
// argv[2] and SIGKILLs itself right before its argv[3]-th node:fs/promises call (FileHandle
// methods included), as a `kill -9` of the build at that instant would. With a number past the
// last call it takes and releases the lock, prints "done" and exits.
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";

const [dir, killAtText] = process.argv.slice(2);
if (!dir || !killAtText) throw new Error("usage: push-lock-kill-child <lock dir> <kill at call n>");
const killAt = Number(killAtText);
let calls = 0;
function wrap(target: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const original = target[name] as (...args: unknown[]) => unknown;
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (++calls === killAt) process.kill(process.pid, "SIGKILL");
      return original.apply(this, args);
    };
  }
}
const module = fsp as unknown as Record<string, unknown>;
const probe = await fsp.open(process.execPath);
await probe.close();
wrap(Object.getPrototypeOf(probe) as Record<string, unknown>, ["write", "writeFile", "sync", "close"]);
wrap(module, Object.keys(module).filter((name) => typeof module[name] === "function"));
// Imported after the patch, so the lock module's named imports see the wrapped functions.
syncBuiltinESMExports();
const { filePushLocks } = await import("../push-lock.js");
await filePushLocks(dir).run({ registry: "r.example", repository: "app", digest: "sha256:aa" }, undefined, async () => undefined);
process.stdout.write("done\n");

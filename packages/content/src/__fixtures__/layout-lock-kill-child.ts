// Child process for the layout-lock crash test: takes the lock at argv[2] and SIGKILLs itself
// right before its argv[3]-th node:fs/promises call, as a `kill -9` at that instant would. With
// a number past the last call it takes and releases the lock, prints "done" and exits.
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";

const [path, killAtText] = process.argv.slice(2);
if (!path || !killAtText) throw new Error("usage: layout-lock-kill-child <lock path> <kill at call n>");
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
// FileHandle's methods too (its class is not exported: take it from a handle), so a kill can land
// between opening a file and writing it.
const probe = await fsp.open(process.execPath);
await probe.close();
wrap(Object.getPrototypeOf(probe) as Record<string, unknown>, ["write", "writeFile", "sync", "close"]);
wrap(module, Object.keys(module).filter((name) => typeof module[name] === "function"));
// The lock module is imported after the patch, so its named imports see the wrapped functions.
syncBuiltinESMExports();
const { withLayoutLock } = await import("../layout-lock.js");
await withLayoutLock(path, new AbortController().signal, async () => undefined);
process.stdout.write("done\n");

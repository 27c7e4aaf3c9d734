import { describe, expect, it } from "vitest";
import { PathTreeMap } from "./path-tree-map.js";

/** The rule PathTreeMap must keep, written the obvious way (a scan of every key). */
function naiveDeleteBelow(map: Map<string, number>, path: string, self: boolean): void {
  if (self) map.delete(path);
  const prefix = path === "" ? "" : `${path}/`;
  for (const key of [...map.keys()]) if (key.startsWith(prefix) && key !== path) map.delete(key);
}

describe("PathTreeMap", () => {
  it("deletes below a path whose parents were never set (a layer tar need not list them)", () => {
    const tree = new PathTreeMap<number>();
    tree.set("usr/lib/x/a.so", 1);
    tree.set("usr/lib/x/b.so", 2);
    tree.set("usr/libexec", 3);
    tree.deleteBelow("usr/lib", true);
    expect([...tree.asMap().keys()]).toEqual(["usr/libexec"]);
  });

  it("keeps the path itself unless asked (an opaque directory), and empties the root on an opaque root", () => {
    const tree = new PathTreeMap<number>();
    for (const [i, p] of ["etc", "etc/a", "etc/b/c", "tmp"].entries()) tree.set(p, i);
    tree.deleteBelow("etc", false);
    expect([...tree.asMap().keys()].sort()).toEqual(["etc", "tmp"]);
    tree.deleteBelow("", false);
    expect(tree.size).toBe(0);
  });

  it("finds paths set again after their subtree was deleted", () => {
    const tree = new PathTreeMap<number>();
    tree.set("a/b", 1);
    tree.deleteBelow("a", true);
    tree.set("a/b/c", 2);
    tree.deleteBelow("a/b", true);
    expect(tree.size).toBe(0);
  });

  it("agrees with a scan of every key on random sets and deletions", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // Few names near the root (deletions hit what was set), many below (parents often never set).
    const names = ["a", "b", "ab", "c", "d", "e", "f", "g"];
    const randomPath = () => Array.from({ length: 1 + random(5) }, (_, depth) => names[random(depth === 0 ? 2 : names.length)]).join("/");
    const tree = new PathTreeMap<number>();
    const naive = new Map<string, number>();
    for (let step = 0; step < 5_000; step++) {
      const path = random(20) === 0 ? "" : randomPath();
      if (random(3) === 0) {
        const self = random(2) === 0;
        tree.deleteBelow(path, self);
        naiveDeleteBelow(naive, path, self);
      } else if (path !== "") {
        tree.set(path, step);
        naive.set(path, step);
      }
      expect(new Map(tree.asMap())).toEqual(naive);
    }
  });
});

import { readFile, writeFile } from "node:fs/promises";
import type { TreeEntry, TreeSnapshot } from "@exp/testing";

// The base's snapshot is made once in global setup and read by every test file, so it goes
// through a file (vitest's provide() only carries JSON, and mtimes are bigints).

export async function writeSnapshot(path: string, snapshot: TreeSnapshot): Promise<void> {
  const entries = [...snapshot.entries].map(([p, e]) => [p, { ...e, mtimeNs: e.mtimeNs.toString() }]);
  await writeFile(path, JSON.stringify({ root: snapshot.root, entries }));
}

export async function readSnapshot(path: string): Promise<TreeSnapshot> {
  const json = JSON.parse(await readFile(path, "utf8")) as { root: string; entries: Array<[string, TreeEntry & { mtimeNs: string }]> };
  return { root: json.root, entries: new Map(json.entries.map(([p, e]) => [p, { ...e, mtimeNs: BigInt(e.mtimeNs) }])) };
}

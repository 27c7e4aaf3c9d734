import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Descriptor } from "@exp/oci-spec";
import { isTempName, writeFileAtomic } from "./atomic-write.js";
import { listDir, removeFile } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { checkName } from "./names.js";
import { checkDescriptor, readJsonRecord, recordDescriptor, recordString } from "./records.js";

// Named roots ("image/docker.io/library/foo:latest" -> descriptor) keep content alive like
// containerd's image records: GC starts from each root's descriptor. One file per name.

export async function setRoot(layout: Layout, name: string, descriptor: Descriptor, signal?: AbortSignal): Promise<void> {
  checkName("root name", name);
  const checked = checkDescriptor(`descriptor for root ${JSON.stringify(name)}`, descriptor);
  throwIfAborted(signal, `setting root ${JSON.stringify(name)}`);
  await writeFileAtomic(layout.rootPath(name), JSON.stringify({ name, descriptor: checked }) + "\n", { signal });
}

export async function getRoot(layout: Layout, name: string): Promise<Descriptor | undefined> {
  const entry = await readRootAt(layout.rootPath(checkName("root name", name)));
  return entry?.descriptor;
}

/** The entry in one file; undefined when the file does not exist, CorruptMetadataError when it does not parse. */
export async function readRootAt(path: string): Promise<{ name: string; descriptor: Descriptor } | undefined> {
  const record = await readJsonRecord(path);
  if (!record) return undefined;
  return { name: recordString(path, record, "name"), descriptor: recordDescriptor(path, record.descriptor, "descriptor") };
}

export async function deleteRoot(layout: Layout, name: string): Promise<boolean> {
  return removeFile(layout.rootPath(checkName("root name", name)));
}

/** Sorted by name. */
export async function listRoots(layout: Layout, signal?: AbortSignal): Promise<Array<{ name: string; descriptor: Descriptor }>> {
  const roots: Array<{ name: string; descriptor: Descriptor }> = [];
  for (const file of await listDir(layout.rootsDir)) {
    if (isTempName(file) || !file.endsWith(".json")) continue;
    throwIfAborted(signal, "listing roots");
    const entry = await readRootAt(join(layout.rootsDir, file));
    if (entry) roots.push(entry);
  }
  return roots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it. Safe to call more than once. */
  cleanup(): Promise<void>;
}

/** A fresh directory under the OS temp dir, named `<prefix>XXXXXX`. */
export async function tempDir(prefix: string, options: { signal?: AbortSignal } = {}): Promise<TempDir> {
  throwIfAborted(options.signal, "tempDir");
  const path = await mkdtemp(join(tmpdir(), prefix));
  let removed: Promise<void> | undefined;
  return {
    path,
    cleanup: () => (removed ??= rm(path, { recursive: true, force: true, maxRetries: 3 })),
  };
}

import { UnreadableFileError, type FsView, type PlannedRead } from "./fs/fs-view.js";
import type { FoundPackage, ScanWarning } from "./model.js";
import type { OsRelease } from "./os-release.js";

/** What every cataloger is given: the listed filesystem, the distribution, and where warnings go. */
export interface CatalogContext {
  view: FsView;
  release: OsRelease | undefined;
  /** Records a warning; throws ERR_ABORTED instead once the scan is aborted, so a read that failed because of it ends the scan. */
  warn(warning: ScanWarning): void;
  signal: AbortSignal | undefined;
}

/** Finds one ecosystem's packages. Never throws for bad input: it warns and skips. */
export interface Cataloger {
  find(context: CatalogContext): Promise<FoundPackage[]>;
  /** What `find` will read, known from the listing alone, so it can be read ahead in one pass. */
  reads(view: FsView): PlannedRead[];
}

/** Runs `work` over items, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The message of anything thrown; for a file that could not be read, just why (the warning names the file). */
export function messageOf(error: unknown): string {
  if (error instanceof UnreadableFileError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

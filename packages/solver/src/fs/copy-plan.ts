import type { FsEntry, FsSource } from "./fs-source.js";

/** One path a COPY writes into the image. */
export interface CopyPlanEntry {
  /**
   * What is copied. For an implied directory it is synthesized (path "", mode 0o755, owner 0:0,
   * the plan's implied-directory mtime); a hard-link group's first member has type "file".
   */
  from: FsEntry;
  /** Where `from`'s content is read (plans merged from several COPY sources mix them). */
  source: FsSource;
  /** Absolute POSIX path in the image, e.g. "/app/server.js". Tar writers drop the leading "/". */
  to: string;
  /** A later name of a hard-link group: the `to` of the earlier entry that holds the content. */
  linkTo?: string;
  /**
   * A parent directory that COPY creates (BuildKit's MkdirAll): mode 0755, owner from --chown,
   * and --chmod does not apply to it.
   */
  implied?: boolean;
}

/**
 * What one COPY instruction writes: entries in walk order of `to` (a directory right before its
 * subtree), every parent directory present, each hard link after the entry it names.
 */
export interface CopyPlan {
  entries: CopyPlanEntry[];
}

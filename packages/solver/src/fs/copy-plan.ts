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
   * A parent directory that COPY creates (fsutil's MkdirAll): owner from --chown, mode 0755 or
   * the octal --chmod (fsutil copy.go Copy and prepareTargetDir pass the copy's mode to MkdirAll
   * since fsutil#228; a symbolic --chmod leaves it 0755).
   */
  implied?: boolean;
  /**
   * A directory the base already holds, written with the base's own metadata because something
   * below it changed (BuildKit's differ writes the parents of every change). --chown and --chmod
   * never apply to it: an existing directory keeps its mode, owner and xattrs.
   */
  kept?: boolean;
  /** Extracted from an ADD archive: --chown applies, --chmod does not (BuildKit's unpack takes only the owner). */
  unpacked?: boolean;
}

/**
 * What one COPY instruction writes: entries in walk order of `to` (a directory right before its
 * subtree), every parent directory present, each hard link after the entry it names.
 */
export interface CopyPlan {
  entries: CopyPlanEntry[];
}

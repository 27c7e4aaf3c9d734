import { ExpError } from "@exp/errors";

// Every error this folder throws on purpose. Each names the value that was wrong (a path, a
// pattern, a COPY source) so a build log points straight at the offending line or file.

/** The context's .dockerignore cannot be read as a file of patterns (it is a directory, or unreadable). */
export class DockerignoreReadError extends ExpError {
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super("ERR_DOCKERIGNORE_UNREADABLE", `cannot read ${path}: ${reason}; .dockerignore must be a text file of patterns, one per line`, { cause });
    this.path = path;
  }
}

/** The build context is missing or is not a directory. */
export class ContextNotFoundError extends ExpError {
  readonly contextDir: string;
  constructor(contextDir: string, reason: string, cause?: unknown) {
    super("ERR_CONTEXT_NOT_FOUND", `build context ${JSON.stringify(contextDir)} ${reason}`, { cause });
    this.contextDir = contextDir;
  }
}

/** A .dockerignore line or a COPY --exclude pattern that is not valid Go filepath.Match syntax. */
export class InvalidPatternError extends ExpError {
  readonly pattern: string;
  constructor(pattern: string, reason: string) {
    super("ERR_INVALID_PATTERN", `invalid pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.pattern = pattern;
  }
}

/** A COPY source (or a symlink it goes through) that points above the root it is copied from. */
export class CopyOutsideContextError extends ExpError {
  readonly source: string;
  constructor(source: string, detail?: string) {
    super("ERR_COPY_OUTSIDE_CONTEXT", `COPY source ${JSON.stringify(source)} is outside the build context${detail ? ` (${detail})` : ""}`);
    this.source = source;
  }
}

/** A COPY source without wildcards that names nothing. */
export class CopySourceNotFoundError extends ExpError {
  readonly source: string;
  constructor(source: string, detail?: string) {
    super("ERR_COPY_SOURCE_NOT_FOUND", `COPY source ${JSON.stringify(source)} not found${detail ? `: ${detail}` : ""}`);
    this.source = source;
  }
}

/** Several COPY sources and a destination that does not end with "/". */
export class CopyDestNotDirError extends ExpError {
  readonly dest: string;
  constructor(dest: string, sourceCount: number) {
    super(
      "ERR_COPY_DEST_NOT_DIR",
      `COPY with ${sourceCount} sources needs a destination that is a directory and ends with "/", got ${JSON.stringify(dest)}`,
    );
    this.dest = dest;
  }
}

/** Two COPY sources that would put a directory and a non-directory at the same destination path. */
export class CopyDestConflictError extends ExpError {
  readonly path: string;
  constructor(path: string, existing: string, incoming: string) {
    super("ERR_COPY_DEST_CONFLICT", `COPY would replace the ${existing} at ${JSON.stringify(path)} with a ${incoming}`);
    this.path = path;
  }
}

/** Too many symlinks followed while resolving one path: a loop. */
export class SymlinkLoopError extends ExpError {
  readonly path: string;
  constructor(path: string) {
    super("ERR_SYMLINK_LOOP", `too many levels of symbolic links while resolving ${JSON.stringify(path)}`);
    this.path = path;
  }
}

/**
 * A file whose size or identity changed between the walk that listed it and the read that copies
 * it. Retrying the build reads a consistent state again, hence retryable.
 */
export class FileChangedError extends ExpError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super("ERR_FILE_CHANGED", `${JSON.stringify(path)} changed while it was being read: ${detail}`, { fault: "server", retryable: true });
    this.path = path;
  }
}

/** A path asked of an FsSource that it does not hold as a readable file. */
export class FsPathNotFoundError extends ExpError {
  readonly path: string;
  constructor(path: string, detail = "no such file") {
    super("ERR_FS_PATH_NOT_FOUND", `${JSON.stringify(path)}: ${detail}`);
    this.path = path;
  }
}

/** An entry handed to the layer writer that cannot be written (a hardlink to nothing, a file without content). */
export class InvalidLayerEntryError extends ExpError {
  readonly path: string;
  constructor(path: string, reason: string) {
    super("ERR_LAYER_ENTRY_INVALID", `layer entry ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
  }
}

/** A layer tar of a tar chain that cannot be read as a tar. */
export class InvalidLayerTarError extends ExpError {
  readonly layerIndex: number;
  constructor(layerIndex: number, reason: string, cause?: unknown) {
    super("ERR_LAYER_TAR_INVALID", `layer ${layerIndex} of the tar chain: ${reason}`, { cause, fault: "server" });
    this.layerIndex = layerIndex;
  }
}

/** An ADD source that is an archive (it starts with a tar header) but cannot be extracted whole. */
export class InvalidArchiveError extends ExpError {
  constructor(archive: string, reason: string, cause?: unknown) {
    super("ERR_ARCHIVE_INVALID", `ADD cannot extract the archive ${JSON.stringify(archive)}: ${reason}`, { cause, fault: "client" });
  }
}

/** An entry of an ADD archive that extraction refuses (go-archive's Untar) or a layer cannot hold. */
export class ArchiveEntryError extends ExpError {
  constructor(archive: string, entry: string, reason: string) {
    super("ERR_ARCHIVE_ENTRY", `ADD cannot extract ${JSON.stringify(entry)} from the archive ${JSON.stringify(archive)}: ${reason}`, { fault: "client" });
  }
}

function kindOf(type: string): string {
  return type === "dir" ? "directory" : type === "symlink" ? "symbolic link" : type === "fifo" ? "named pipe" : "file";
}

/** A COPY destination whose parent path runs through something that is not a directory in the image. */
export class CopyParentNotDirError extends ExpError {
  readonly path: string;
  constructor(path: string, component: string, type: string) {
    super(
      "ERR_COPY_PARENT_NOT_DIR",
      `COPY cannot create ${JSON.stringify(path)}: ${JSON.stringify(component)} is a ${kindOf(type)} in the image, not a directory; choose a destination whose parents are directories`,
    );
    this.path = path;
  }
}

/**
 * A directory copied onto a path the image holds as a file or symlink. BuildKit's copier refuses
 * it ("cannot copy to non-directory"): it never replaces the image's entry, so a usrmerge symlink
 * such as /lib -> usr/lib stays.
 */
export class CopyDirOntoNonDirError extends ExpError {
  readonly path: string;
  constructor(path: string, type: string, linkTarget?: string) {
    const hint =
      type === "symlink" && linkTarget !== undefined
        ? `; copy into the directory it points to (${JSON.stringify(linkTarget)}) instead`
        : "; copy into a path that is a directory";
    super("ERR_COPY_DIR_ONTO_NON_DIR", `COPY cannot copy a directory onto ${JSON.stringify(path)}, which is a ${kindOf(type)} in the image${hint}`);
    this.path = path;
  }
}

/** A file (or symlink) copied onto a path the image holds as a directory, below a copied directory. */
export class CopyFileOntoDirError extends ExpError {
  readonly path: string;
  constructor(path: string, type: string) {
    super(
      "ERR_COPY_FILE_ONTO_DIR",
      `COPY cannot replace the directory ${JSON.stringify(path)} of the image with a ${kindOf(type)}; rename the source or copy it into that directory`,
    );
    this.path = path;
  }
}

import { ExpError } from "@exp/errors";
import { shortName } from "@exp/tar";

// Every error this package throws on purpose. Each names the offending value (a tar entry, an
// output path, a layer) so the build log points at it; codes are stable, messages may change.

/**
 * A layer entry that would be written outside the output root or through a symbolic link: an
 * absolute name, a ".." component, or a parent directory that is a symlink (in the image or
 * already in the destination). Nothing is written for it; the export fails as a whole.
 */
export class UnsafePathError extends ExpError {
  readonly entry: string;
  constructor(entry: string, reason: string) {
    super("ERR_LOCAL_UNSAFE_PATH", `refusing to write ${shortName(entry)}: ${reason}`);
    this.entry = entry;
  }
}

/** With platform-split=false, two platforms put different things at the same path. */
export class LocalConflictError extends ExpError {
  readonly path: string;
  readonly platforms: readonly [string, string];
  constructor(path: string, first: string, second: string, detail: string) {
    super(
      "ERR_LOCAL_CONFLICT",
      `${JSON.stringify(path)} differs between ${first} and ${second} (${detail}); ` +
        "set platform-split=true to write each platform to its own directory",
    );
    this.path = path;
    this.platforms = [first, second];
  }
}

/** The output path cannot be used: a file where a directory is needed, a mount point, ... */
export class InvalidDestError extends ExpError {
  readonly dest: string;
  constructor(dest: string, reason: string, cause?: unknown) {
    super("ERR_LOCAL_DEST_INVALID", `output ${JSON.stringify(dest)} ${reason}`, { cause });
    this.dest = dest;
  }
}

/** A layer's tar stream failed while it was being read (I/O error, truncated data, bad tar). */
export class LayerReadError extends ExpError {
  readonly diffID: string;
  constructor(layerIndex: number, diffID: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super("ERR_LOCAL_LAYER_READ", `reading layer ${layerIndex} (${diffID}) failed: ${message}`, { cause, fault: "server" });
    this.diffID = diffID;
  }
}

/** A hard link in a layer whose target is not a file of the filesystem built so far. */
export class BadHardLinkError extends ExpError {
  readonly entry: string;
  readonly target: string;
  constructor(entry: string, target: string, reason: string) {
    super("ERR_LOCAL_BAD_HARDLINK", `hard link ${JSON.stringify(entry)} -> ${JSON.stringify(target)}: ${reason}`);
    this.entry = entry;
    this.target = target;
  }
}

/** A directory the export would remove holds a mount point: nothing is removed. */
export class MountInsideError extends ExpError {
  readonly path: string;
  readonly mountPoint: string;
  constructor(path: string, mountPoint: string) {
    super(
      "ERR_LOCAL_MOUNT_INSIDE",
      path === mountPoint
        ? `refusing to remove ${JSON.stringify(path)} from the destination: it is a mount point; unmount it, or export to another directory`
        : `refusing to remove ${JSON.stringify(path)} from the destination: a filesystem is mounted at ${JSON.stringify(mountPoint)} inside it; unmount it, or export to another directory`,
    );
    this.path = path;
    this.mountPoint = mountPoint;
  }
}

/** Two attestations would be written to the same file name (BuildKit: "duplicate attestation path name"). */
export class DuplicateAttestationError extends ExpError {
  readonly fileName: string;
  constructor(fileName: string) {
    super("ERR_LOCAL_DUPLICATE_ATTESTATION", `duplicate attestation path name ${JSON.stringify(fileName)}: two attestations would be written to it; give them different paths`);
    this.fileName = fileName;
  }
}

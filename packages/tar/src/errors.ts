import { ExpError } from "@exp/errors";

/**
 * The base of every error this package throws about the bytes of a tar: callers that wrap "the
 * layer is broken" in an error of their own can tell these apart from their own and from I/O errors.
 */
export class TarError extends ExpError {}

/** A header that is not a tar header (bad checksum, bad number, malformed PAX record). */
export class TarFormatError extends TarError {
  /** Byte offset of the header block in the tar. */
  readonly offset: number;
  constructor(where: string, offset: number, reason: string) {
    super("ERR_TAR_INVALID", `${where}: not a valid tar at byte ${offset}: ${reason}`, { fault: "server" });
    this.offset = offset;
  }
}

/** The tar ended inside a header or an entry's data. */
export class TarTruncatedError extends TarError {
  constructor(where: string, offset: number, inside: string) {
    super("ERR_TAR_TRUNCATED", `${where}: the tar ends at byte ${offset}, inside ${inside}`, { fault: "server" });
  }
}

/** An entry kind this reader does not turn into files (GNU or PAX sparse files). */
export class TarUnsupportedError extends TarError {
  constructor(where: string, entry: string, what: string) {
    super("ERR_TAR_UNSUPPORTED", `${where}: entry ${shortName(entry)} is ${what}, which exp does not read; supported are files, directories, links, devices and FIFOs`, { fault: "server" });
  }
}

/**
 * The most a PAX or GNU long-name header may hold: Go's archive/tar (so containerd and BuildKit)
 * refuses larger ones with ErrFieldTooLong (reader.go, maxSpecialFileSize), and a layer they
 * cannot apply is not one to export.
 */
export const maxTarHeaderBytes = 1024 * 1024;

/** A PAX or GNU long-name header over maxTarHeaderBytes. `where` names the layer or archive. */
export class TarHeaderTooLargeError extends TarError {
  readonly entry: string | undefined;
  constructor(where: string, bytes: number, entry?: string) {
    super(
      "ERR_TAR_HEADER_TOO_LARGE",
      `${where}: a PAX header of ${bytes} bytes${entry === undefined ? "" : ` (entry ${shortName(entry)})`}; tar readers (Go's archive/tar, so BuildKit and containerd) accept at most ${maxTarHeaderBytes} bytes`,
      { fault: "server" },
    );
    this.entry = entry;
  }
}

/** What was handed to the writer does not make a tar entry: its data is not the size its header says. */
export class TarEntrySizeError extends TarError {
  readonly entry: string;
  constructor(entry: string, expected: number, actual: string) {
    super("ERR_TAR_ENTRY_SIZE", `tar entry ${shortName(entry)}: its header says ${expected} bytes, its data ${actual}`);
    this.entry = entry;
  }
}

/** A name for a message: a multi-megabyte path is cut, not printed whole. */
export function shortName(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 100)}…(${Buffer.byteLength(name)} bytes)` : name);
}

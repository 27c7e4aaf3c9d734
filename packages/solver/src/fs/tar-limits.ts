import { ExpError } from "@exp/errors";

/**
 * The most a PAX or GNU long-name header may hold: Go's archive/tar (so containerd and BuildKit)
 * refuses larger ones with ErrFieldTooLong, and a layer they cannot apply is not one to export.
 */
export const maxTarHeaderBytes = 1024 * 1024;

// tar-stream buffers a long header whole, up to this size, and fails beyond it with a bare message.
const tarStreamLimit = 4 * 1024 * 1024;
const tarStreamMessage = "Header exceeds max size";

/** A PAX or GNU long-name header over maxTarHeaderBytes. `where` names the layer or archive. */
export class TarHeaderTooLargeError extends ExpError {
  readonly entry: string | undefined;
  constructor(where: string, bytes: number | undefined, entry?: string) {
    const size = bytes === undefined ? `over ${tarStreamLimit} bytes` : `of ${bytes} bytes`;
    super(
      "ERR_TAR_HEADER_TOO_LARGE",
      `${where}: a PAX header ${size}${entry === undefined ? "" : ` (entry ${shortName(entry)})`}; tar readers (Go's archive/tar, so BuildKit and containerd) accept at most ${maxTarHeaderBytes} bytes`,
      { fault: "server" },
    );
    this.entry = entry;
  }
}

/** The fields of a tar-stream header this reads; `pax` holds the decoded PAX records (untyped in tar-stream). */
interface DecodedHeader {
  name: string;
  linkname?: string | null;
  pax?: unknown;
}

/** Throws TarHeaderTooLargeError when the entry's PAX records (or long name) exceed the limit. */
export function checkTarHeader(header: DecodedHeader, where: string): void {
  let bytes = 0;
  const pax = (header.pax ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(pax)) bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value)) + 3;
  // A GNU long name arrives as the name itself, without PAX records.
  bytes = Math.max(bytes, Buffer.byteLength(header.name), Buffer.byteLength(header.linkname ?? ""));
  if (bytes > maxTarHeaderBytes) throw new TarHeaderTooLargeError(where, bytes, header.name);
}

/** tar-stream's own "header too large" failure, as the typed error; undefined for any other error. */
export function tarHeaderError(error: unknown, where: string): TarHeaderTooLargeError | undefined {
  return error instanceof Error && error.message === tarStreamMessage ? new TarHeaderTooLargeError(where, undefined) : undefined;
}

/** A name for a message: a multi-megabyte path is cut, not printed whole. */
export function shortName(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 100)}…(${Buffer.byteLength(name)} bytes)` : name);
}

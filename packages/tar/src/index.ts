export { readTar, type ReadTarOptions, type TarEntry } from "./read/read-tar.js";
export { writeTar, type TarWriteEntry, type WriteTarOptions } from "./write/write-tar.js";
export type { TarHeader, TarWriteHeader } from "./header/tar-header.js";
export type { TarEntryType } from "./header/entry-type.js";
export { XATTR_PAX_PREFIX } from "./header/pax-records.js";
export { isTarHeader } from "./header/is-tar-header.js";
export {
  maxTarHeaderBytes,
  shortName,
  TarEntrySizeError,
  TarError,
  TarFormatError,
  TarHeaderTooLargeError,
  TarTruncatedError,
  TarUnsupportedError,
} from "./errors.js";

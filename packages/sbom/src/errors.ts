import { ExpError } from "@exp/errors";

/** An option of scanFilesystem that cannot be used (an empty name, a `created` that is not a date). */
export class SbomOptionError extends ExpError {
  readonly option: string;
  constructor(option: string, message: string) {
    super("ERR_SBOM_OPTION", `scanFilesystem: ${option}: ${message}`, { fault: "client" });
    this.option = option;
  }
}

/**
 * The filesystem itself could not be read (its listing failed). A file that cannot be read or
 * parsed is not this error: real images have junk, so the scan skips it and records a warning.
 */
export class SbomReadError extends ExpError {
  constructor(message: string, cause: unknown) {
    super("ERR_SBOM_READ", `scanning a filesystem for an SBOM: ${message}`, { cause, fault: "server" });
  }
}

import { InvalidOptionError } from "@exp/errors";
import { AttrReader } from "@exp/solver";

/** SOURCE_DATE_EPOCH bounds: not before 1970, not after 9999-12-31 (what a tar header can still say sensibly). */
const EPOCH_RANGE = { min: 0, max: 253_402_300_799 };

export type LocalMode = "copy" | "delete";

export interface LocalOptions {
  dest: string;
  /** undefined: split when the build targeted several platforms. */
  platformSplit: boolean | undefined;
  mode: LocalMode;
  /** Seconds; overrides the build's metadata.sourceDateEpoch. */
  sourceDateEpoch: number | undefined;
  /** `attestation-prefix`: put before the attestation statements' file names. */
  attestationPrefix: string;
}

export interface TarOptions {
  /** A file path, or "-" for stdout. */
  dest: string;
  platformSplit: boolean | undefined;
  sourceDateEpoch: number | undefined;
  attestationPrefix: string;
}

/** The option tables of `type=local` and `type=tar` (what their AttrReaders accept). */
export const localExporterKeys = ["dest", "platform-split", "mode", "source-date-epoch", "attestation-prefix"] as const;
export const tarExporterKeys = ["dest", "platform-split", "source-date-epoch", "attestation-prefix"] as const;

export function parseLocalOptions(attrs: Readonly<Record<string, string>>): LocalOptions {
  const reader = new AttrReader("exporter local", attrs, localExporterKeys);
  const dest = reader.required("dest", "give the output directory, e.g. dest=out");
  // "-" means stdout for type=tar; a directory cannot be streamed there.
  if (dest === "-") throw new InvalidOptionError("exporter local", "dest", dest, "a directory path (stdout is only for type=tar)");
  return {
    dest,
    platformSplit: optionalBool(reader, "platform-split"),
    mode: reader.oneOf("mode", ["copy", "delete"] as const, "copy"),
    sourceDateEpoch: reader.int("source-date-epoch", EPOCH_RANGE),
    attestationPrefix: attestationPrefix(reader),
  };
}

export function parseTarOptions(attrs: Readonly<Record<string, string>>): TarOptions {
  const reader = new AttrReader("exporter tar", attrs, tarExporterKeys);
  return {
    dest: reader.required("dest", 'give the output file, e.g. dest=out.tar, or "-" for stdout'),
    platformSplit: optionalBool(reader, "platform-split"),
    sourceDateEpoch: reader.int("source-date-epoch", EPOCH_RANGE),
    attestationPrefix: attestationPrefix(reader),
  };
}

/**
 * BuildKit joins the prefix to a base name as it is; exp refuses a prefix that would put the
 * statements outside the result's root or into a subdirectory that may not exist (a "/").
 */
function attestationPrefix(reader: AttrReader): string {
  const prefix = reader.string("attestation-prefix") ?? "";
  if (prefix.includes("/")) throw new InvalidOptionError(reader.component, "attestation-prefix", prefix, "a file name prefix without \"/\" (e.g. attestation-prefix=attest-)");
  return prefix;
}

/** A bool whose absence means "decide from the result" rather than a fixed default. */
function optionalBool(reader: AttrReader, key: string): boolean | undefined {
  return reader.has(key) ? reader.bool(key, true) : undefined;
}

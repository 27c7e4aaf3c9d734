import { isDigest, parseDigest, parseReference, type Descriptor, type Digest, type ImageReference } from "@exp/oci-spec";
import { AmbiguousRepositoryError, InvalidSourceError, InvalidTagError, NoRepositoryError } from "./imagetools-errors.js";

/** One source of `imagetools create`, as written and then given a repository to read it from. */
export interface SourceSpec {
  /** What was written (an argument, a file's content, or the first -t with --append). */
  readonly text: string;
  /** Where it is read: set for references, and filled in for bare digests and descriptors. */
  ref?: ImageReference;
  /** A descriptor given with it (a bare digest is one with only a digest); merged over the registry's. */
  readonly given?: Partial<Descriptor> & { digest: Digest };
}

/**
 * A source as buildx's parseSource reads it: a digest, else an image reference, else a JSON OCI
 * descriptor (not a manifest: one with a schemaVersion is refused).
 */
export function parseSource(text: string): SourceSpec {
  if (isDigest(text)) return { text, given: { digest: text } };
  if (text.startsWith("sha256") || text.startsWith("sha512")) {
    try {
      parseDigest(text);
    } catch (error) {
      throw new InvalidSourceError(text, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
  if (!text.trimStart().startsWith("{")) {
    try {
      return { text, ref: parseReference(text) };
    } catch (error) {
      throw new InvalidSourceError(text, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
  return { text, given: parseDescriptorJson(text) };
}

function parseDescriptorJson(text: string): Partial<Descriptor> & { digest: Digest } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidSourceError(text, `not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidSourceError(text, "a descriptor is a JSON object");
  const record = parsed as Record<string, unknown>;
  if (record.schemaVersion !== undefined && record.schemaVersion !== 0) {
    throw new InvalidSourceError(text, `expected an OCI content descriptor, got a manifest or index (schemaVersion ${JSON.stringify(record.schemaVersion)})`);
  }
  if (typeof record.digest !== "string" || record.digest === "") throw new InvalidSourceError(text, "invalid descriptor: digest is required");
  if (!isDigest(record.digest)) throw new InvalidSourceError(text, `invalid descriptor digest ${JSON.stringify(record.digest)}`);
  if (record.size !== undefined && (typeof record.size !== "number" || !Number.isInteger(record.size) || record.size < 0)) {
    throw new InvalidSourceError(text, `invalid descriptor size ${JSON.stringify(record.size)}`);
  }
  const { schemaVersion: _ignored, ...descriptor } = record;
  return descriptor as Partial<Descriptor> & { digest: Digest };
}

/** `-t` names: an image name with a tag (latest when none), never a digest. */
export function parseTags(values: readonly string[]): ImageReference[] {
  return values.map((value) => {
    let ref: ImageReference;
    try {
      ref = parseReference(value);
    } catch (error) {
      throw new InvalidTagError(value, error instanceof Error ? error.message : String(error), { cause: error });
    }
    // buildx would push by the new digest, whatever digest was written: exp asks for a tag instead.
    if (ref.digest !== undefined) throw new InvalidTagError(value, "a -t name takes a tag, not a digest (the new image's digest is computed; leave it off)");
    return ref;
  });
}

/**
 * buildx's runCreate before it touches the registry: with --append the first tag is the first
 * source (the index it holds is extended); a bare digest or a descriptor is read from the only
 * repository named anywhere (first a source's, else the first tag's), and is an error when
 * several are named. Returns the sources with every `ref` set.
 */
export function planSources(texts: readonly string[], tags: readonly ImageReference[], append: boolean): SourceSpec[] {
  const all = append && tags.length > 0 ? [tags[0]!.toString(), ...texts] : [...texts];
  const sources = all.map(parseSource);
  const repositories = new Set(tags.map((t) => t.name));
  for (const source of sources) if (source.ref) repositories.add(source.ref.name);
  if (repositories.size === 0) throw new NoRepositoryError();
  const defaultRepo = repositories.size === 1 ? (sources.find((s) => s.ref)?.ref ?? tags[0]) : undefined;
  for (const source of sources) {
    if (source.ref) continue;
    if (!defaultRepo) throw new AmbiguousRepositoryError(source.text, [...repositories].sort());
    // Read by digest from that repository, whatever its tag.
    source.ref = parseReference(`${defaultRepo.name}@${source.given!.digest}`);
  }
  return sources;
}

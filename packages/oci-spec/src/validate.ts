import { ExpError } from "@exp/errors";
import * as v from "valibot";
import { DescriptorSchema, type Descriptor } from "./descriptor.js";
import { DistributionErrorsSchema, type DistributionErrors } from "./distribution-errors.js";
import { DockerManifestListSchema, DockerManifestSchema, type DockerManifest, type DockerManifestList } from "./docker-schema2.js";
import { documentIssues, type DocumentIssue } from "./document-issues.js";
import { ImageConfigSchema, type ImageConfig } from "./image-config.js";
import { ImageIndexSchema, type ImageIndex } from "./image-index.js";
import { ImageLayoutIndexSchema, ImageLayoutSchema, type ImageLayout } from "./image-layout.js";
import { describeIssue } from "./issue-messages.js";
import { ImageManifestSchema, type ImageManifest } from "./manifest.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "./media-types.js";
import { show } from "./show-value.js";

export { formatJsonPath, type DocumentIssue } from "./document-issues.js";

/**
 * A document that is not valid JSON or does not match its schema. The message names the kind
 * of document and the first problem, because that is usually all a user needs to fix it; the
 * full list is in `issues`.
 */
export class InvalidDocumentError extends ExpError {
  /** What was being parsed, e.g. "image manifest". */
  readonly document: string;
  readonly issues: readonly DocumentIssue[];

  constructor(document: string, issues: readonly DocumentIssue[], options: { cause?: unknown } = {}) {
    super("ERR_INVALID_DOCUMENT", `invalid ${document}: ${summarise(issues)}`, options);
    this.document = document;
    this.issues = issues;
  }
}

function summarise(issues: readonly DocumentIssue[]): string {
  const [first] = issues;
  if (!first) return "unknown problem";
  const where = first.path === "" ? "" : `${first.path}: `;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? "problem" : "problems"})` : "";
  return `${where}${first.message}${more}`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes and strings are JSON text; anything else is taken to be already-parsed JSON. */
function decode(input: unknown, what: string): unknown {
  let text: string;
  if (typeof input === "string") text = input;
  else if (input instanceof Uint8Array) {
    try {
      text = utf8.decode(input);
    } catch (cause) {
      throw new InvalidDocumentError(what, [{ path: "", message: "not valid UTF-8" }], { cause });
    }
  } else return input;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InvalidDocumentError(what, [{ path: "", message: `not valid JSON (${(cause as Error).message})` }], { cause });
  }
}

/**
 * Parses `input` (JSON text, UTF-8 bytes, or an already-parsed value) with any valibot schema and
 * throws InvalidDocumentError, naming `what`, when it does not match. The result carries the
 * schema's output type, so everything past this call is typed. Every issue is reported, not only
 * the first.
 */
export function parseAs<S extends v.GenericSchema>(schema: S, input: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, decode(input, what), { message: describeIssue });
  if (!result.success) throw new InvalidDocumentError(what, documentIssues(result.issues));
  return result.output;
}

/** An OCI image manifest (`application/vnd.oci.image.manifest.v1+json`). */
export function parseManifest(input: unknown): ImageManifest {
  return parseAs(ImageManifestSchema, input, "image manifest");
}

/** An OCI image index (`application/vnd.oci.image.index.v1+json`). */
export function parseIndex(input: unknown): ImageIndex {
  return parseAs(ImageIndexSchema, input, "image index");
}

/** An image config, OCI or Docker schema2 (they share one shape). */
export function parseImageConfig(input: unknown): ImageConfig {
  return parseAs(ImageConfigSchema, input, "image config");
}

/** The `oci-layout` file of an image layout directory. */
export function parseImageLayout(input: unknown): ImageLayout {
  return parseAs(ImageLayoutSchema, input, "oci-layout file");
}

/** The `index.json` of an image layout directory. */
export function parseImageLayoutIndex(input: unknown): ImageIndex {
  return parseAs(ImageLayoutIndexSchema, input, "image layout index.json");
}

export function parseDockerManifest(input: unknown): DockerManifest {
  return parseAs(DockerManifestSchema, input, "Docker manifest");
}

export function parseDockerManifestList(input: unknown): DockerManifestList {
  return parseAs(DockerManifestListSchema, input, "Docker manifest list");
}

/** The `{"errors": [...]}` body of a failed registry request. */
export function parseDistributionErrors(input: unknown): DistributionErrors {
  return parseAs(DistributionErrorsSchema, input, "distribution error body");
}

export function parseDescriptor(input: unknown): Descriptor {
  return parseAs(DescriptorSchema, input, "descriptor");
}

/** Any of the four documents a registry may answer a manifest request with, tagged by kind. */
export type ManifestOrIndex =
  | { readonly kind: "oci-manifest"; readonly mediaType: typeof OCI_IMAGE_MANIFEST; readonly document: ImageManifest }
  | { readonly kind: "oci-index"; readonly mediaType: typeof OCI_IMAGE_INDEX; readonly document: ImageIndex }
  | { readonly kind: "docker-manifest"; readonly mediaType: typeof DOCKER_MANIFEST; readonly document: DockerManifest }
  | { readonly kind: "docker-manifest-list"; readonly mediaType: typeof DOCKER_MANIFEST_LIST; readonly document: DockerManifestList };

export interface ParseManifestOrIndexOptions {
  /**
   * The Content-Type the document was served with, if any. Used when the document has no
   * `mediaType` of its own (allowed for OCI), and checked against it when it has one.
   */
  mediaType?: string | undefined;
}

const knownTypes: ReadonlySet<string> = new Set([OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST]);
const what = "manifest or index";

function fail(path: string, message: string): never {
  throw new InvalidDocumentError(what, [{ path, message }]);
}

/**
 * Guesses the type of an OCI document without `mediaType` from its shape. A document with both
 * `manifests` and `layers`/`config` is refused: image-spec 1.1 calls out that ambiguity as a way
 * to make two clients disagree about what one digest is.
 */
function sniff(value: Record<string, unknown>): string {
  const looksLikeIndex = "manifests" in value;
  const looksLikeManifest = "layers" in value || "config" in value;
  if (looksLikeIndex && looksLikeManifest) fail("", "has both manifests and layers/config and no mediaType; cannot tell a manifest from an index");
  if (looksLikeIndex) return OCI_IMAGE_INDEX;
  if (looksLikeManifest) return OCI_IMAGE_MANIFEST;
  if (value["schemaVersion"] === 1) fail("schemaVersion", "Docker schema1 manifests are not supported; expected schemaVersion 2");
  return fail("", "no mediaType, manifests, config or layers; not a manifest or index");
}

/**
 * Parses whatever a registry returned for a manifest request. The type is the document's own
 * `mediaType`, else `options.mediaType` (the Content-Type) when that names a manifest or index,
 * else a guess from the document's shape (only OCI documents may omit `mediaType`).
 */
export function parseManifestOrIndex(input: unknown, options: ParseManifestOrIndexOptions = {}): ManifestOrIndex {
  const value = decode(input, what);
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("", `expected object, got ${show(value)}`);
  const record = value as Record<string, unknown>;
  // Content-Type may carry parameters (`; charset=utf-8`); only the bare type is compared.
  const served = options.mediaType?.split(";")[0]?.trim();
  const hint = served !== undefined && knownTypes.has(served) ? served : undefined;
  const declared = record["mediaType"];

  let mediaType: string;
  if (declared === undefined) mediaType = hint ?? sniff(record);
  else if (typeof declared !== "string") return fail("mediaType", `expected string, got ${show(declared)}`);
  else if (hint !== undefined && hint !== declared) {
    // The distribution spec says to reject this: the digest was resolved for one type and the
    // body claims another.
    return fail("mediaType", `document says ${JSON.stringify(declared)} but was served as ${JSON.stringify(hint)}`);
  } else mediaType = declared;

  switch (mediaType) {
    case OCI_IMAGE_MANIFEST:
      return { kind: "oci-manifest", mediaType, document: parseManifest(record) };
    case OCI_IMAGE_INDEX:
      return { kind: "oci-index", mediaType, document: parseIndex(record) };
    case DOCKER_MANIFEST:
      return { kind: "docker-manifest", mediaType, document: parseDockerManifest(record) };
    case DOCKER_MANIFEST_LIST:
      return { kind: "docker-manifest-list", mediaType, document: parseDockerManifestList(record) };
    default:
      return fail("mediaType", `unsupported media type ${show(mediaType)}; expected one of ${[...knownTypes].join(", ")}`);
  }
}

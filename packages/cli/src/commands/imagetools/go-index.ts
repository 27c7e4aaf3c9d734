import { digestOf, type Descriptor } from "@exp/oci-spec";
import { goDecode, goMarshalIndent } from "./go-json.js";
import { indexType } from "./go-types.js";

/** An index as buildx writes one: JSON of an ocispecs.Index, indented by two spaces, no newline at the end. */
export interface IndexDocument {
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** Kept when an existing index is re-written (a platform filter), as buildx keeps what it parsed. */
  readonly [other: string]: unknown;
}

/**
 * json.MarshalIndent(ocispecs.Index{…}, "", "  "): the bytes buildx pushes, so that the same sources
 * give exp and buildx the same index digest. Fields ocispecs.Index does not declare are dropped,
 * as Go drops them.
 */
export function marshalIndex(index: IndexDocument): { bytes: Buffer; desc: Descriptor } {
  const bytes = Buffer.from(goMarshalIndent({ type: indexType, value: goDecode(indexType, { schemaVersion: 2, ...index }, "the new index") }), "utf8");
  return { bytes, desc: { mediaType: index.mediaType, digest: digestOf(bytes), size: bytes.byteLength } };
}

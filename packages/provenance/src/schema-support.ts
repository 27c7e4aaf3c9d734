import { provenanceSchemaErrors, type ProvenanceSchema } from "@exp/testing/schemas";

/** The schemas the tests validate against (@exp/testing's src/schemas/README.md says where each comes from). */
export const schemaIds = {
  /** Published: enterprise-contract/ec-cli, a whole v0.1 statement with a v0.2 predicate. */
  ecCliStatementV02: "slsaV02Statement",
  /** The same schema's predicate part, for a v0.2 predicate on its own. */
  ecCliPredicateV02: "slsaV02Predicate",
  /** Written from the in-toto spec text. */
  inTotoStatementV1: "inTotoStatementV1",
  /** Written from the SLSA v1.1 spec text. */
  slsaProvenanceV1: "slsaV1",
} as const satisfies Record<string, ProvenanceSchema>;

/**
 * The schema's complaints about a document as it would be written (through JSON), as
 * `<instance path> <message>` lines; [] when it is valid.
 */
export function schemaErrors(id: (typeof schemaIds)[keyof typeof schemaIds], document: unknown): string[] {
  return provenanceSchemaErrors(id, document);
}

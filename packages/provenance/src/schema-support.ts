import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { fixture } from "./test-support.js";

// ajv-formats is CommonJS with `exports.default`: which of the two an ESM import sees depends on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** The schemas the tests validate against (see __fixtures__/README.md for where each comes from). */
export const schemaIds = {
  /** Published: enterprise-contract/ec-cli, a whole v0.1 statement with a v0.2 predicate. */
  ecCliStatementV02: "https://slsa.dev/provenance/v0.2",
  /** The same schema's predicate part, for a v0.2 predicate on its own. */
  ecCliPredicateV02: "https://slsa.dev/provenance/v0.2#/properties/predicate",
  /** Written from the in-toto spec text. */
  inTotoStatementV1: "https://exp.invalid/schemas/in-toto-statement-v1.schema.json",
  /** Written from the SLSA v1.1 spec text. */
  slsaProvenanceV1: "https://exp.invalid/schemas/slsa-provenance-v1.schema.json",
} as const;

let ajv: Ajv2020 | undefined;

function validator(): Ajv2020 {
  if (ajv) return ajv;
  // strictRequired is off: the anyOf [{required: [uri]}, ...] branches name properties defined beside them, as the spec words it.
  ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  ajv.addSchema(fixture("schemas/ec-cli-slsa-provenance-v0.2.schema.json") as object);
  ajv.addSchema(fixture("schemas/in-toto-statement-v1.schema.json") as object);
  ajv.addSchema(fixture("schemas/slsa-provenance-v1.schema.json") as object);
  return ajv;
}

/**
 * The schema's complaints about a document as it would be written (through JSON), as
 * `<instance path> <message>` lines; [] when it is valid.
 */
export function schemaErrors(id: (typeof schemaIds)[keyof typeof schemaIds], document: unknown): string[] {
  const validate = validator().getSchema(id);
  if (!validate) throw new Error(`no schema ${id}`);
  if (validate(JSON.parse(JSON.stringify(document)))) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || "/"} ${error.message ?? ""}`);
}

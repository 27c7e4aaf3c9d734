import { Ajv, type ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// Imported as JSON so the build bundles them: the published package holds dist/ only.
import ecCliSlsaV02 from "./ec-cli-slsa-provenance-v0.2.schema.json" with { type: "json" };
import inTotoStatementV1 from "./in-toto-statement-v1.schema.json" with { type: "json" };
import slsaProvenanceV1 from "./slsa-provenance-v1.schema.json" with { type: "json" };
import spdx23 from "./spdx-2.3.schema.json" with { type: "json" };

// ajv-formats is CommonJS with `exports.default`: which of the two an ESM import sees depends on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv | Ajv2020) => Ajv;


const ids = {
  slsaV02Predicate: "https://slsa.dev/provenance/v0.2#/properties/predicate",
  slsaV02Statement: "https://slsa.dev/provenance/v0.2",
  inTotoStatementV1: "https://exp.invalid/schemas/in-toto-statement-v1.schema.json",
  slsaV1: "https://exp.invalid/schemas/slsa-provenance-v1.schema.json",
} as const;

let spdx: ReturnType<Ajv["compile"]> | undefined;
let provenance: Ajv2020 | undefined;

function provenanceSchemas(): Ajv2020 {
  if (provenance) return provenance;
  // strictRequired is off: the anyOf [{required: [uri]}, ...] branches name properties defined beside them, as the spec words it.
  provenance = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats(provenance);
  // README.md says where each schema comes from.
  for (const schema of [ecCliSlsaV02, inTotoStatementV1, slsaProvenanceV1]) provenance.addSchema(schema as object);
  return provenance;
}

function errorsOf(validate: { (data: unknown): boolean; errors?: ErrorObject[] | null }, document: unknown): string[] {
  // As it would be written: through JSON.
  if (validate(JSON.parse(JSON.stringify(document)))) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
}

/** The SPDX 2.3 schema's complaints about a document, or [] when it is valid. */
export function spdxSchemaErrors(document: unknown): string[] {
  if (!spdx) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    spdx = ajv.compile(spdx23 as object);
  }
  return errorsOf(spdx, document);
}

/** Which schema `provenanceSchemaErrors` validates against. */
export type ProvenanceSchema = keyof typeof ids;

/**
 * The complaints of one of the provenance schemas: the in-toto Statement v1, the SLSA v1
 * predicate, or the published v0.2 schema (whole v0.1 statement, or its predicate part).
 */
export function provenanceSchemaErrors(which: ProvenanceSchema, document: unknown): string[] {
  const validate = provenanceSchemas().getSchema(ids[which]);
  if (!validate) throw new Error(`no schema ${ids[which]}`);
  return errorsOf(validate, document);
}

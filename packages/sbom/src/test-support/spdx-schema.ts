import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with `exports.default`: which of the two an ESM import sees depends on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let validator: ValidateFunction | undefined;

/** The SPDX 2.3 JSON schema of spdx/spdx-spec (see fixtures/README.md), compiled once. */
function spdxValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(new URL("../fixtures/spdx-schema.json", import.meta.url), "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  validator = ajv.compile(schema);
  return validator;
}

/** The schema's complaints about a document (as JSON text, the way it would be written), or [] when it is valid. */
export function spdxSchemaErrors(document: unknown): string[] {
  const validate = spdxValidator();
  if (validate(JSON.parse(JSON.stringify(document)))) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || "/"} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
}

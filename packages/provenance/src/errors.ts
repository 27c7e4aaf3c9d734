import { ExpError } from "@exp/errors";

/**
 * A ProvenanceInput (or statement subject) that cannot be written as a predicate: a reference that
 * does not parse, a digest that is not one, a step that names an input no step has. `field` is the
 * path of the offending value (`materials.images[2].ref`), so the front end that built the input
 * can point at its own bug; the message never repeats the value of a field that may hold a URL.
 */
export class ProvenanceInputError extends ExpError {
  readonly field: string;

  constructor(field: string, reason: string, options: { cause?: unknown } = {}) {
    super("ERR_PROVENANCE_INPUT", `provenance: ${field}: ${reason}`, { ...options, fault: "client" });
    this.field = field;
  }
}

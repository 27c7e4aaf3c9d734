import { ExpError } from "@exp/errors";
import type { AttrWalkFinding } from "./types.js";

/** An option-table walk found attributes that do not do what they should. */
export class AttrWalkError extends ExpError {
  readonly findings: readonly AttrWalkFinding[];

  constructor(name: string, findings: readonly AttrWalkFinding[]) {
    super("ERR_ATTR_WALK", `${name}: ${findings.length} attribute${findings.length === 1 ? "" : "s"} not applied as BuildKit applies them:\n${findings.map((f) => `- ${f.key}: ${f.problem}`).join("\n")}`);
    this.findings = findings;
  }
}

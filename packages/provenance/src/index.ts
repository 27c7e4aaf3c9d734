export type {
  BuildStepInput,
  BuildStepKind,
  BuildStepsInput,
  DockerfileSource,
  FrontendRequest,
  GitMaterial,
  HttpMaterial,
  ImageMaterial,
  MountUse,
  ProvenanceInput,
  ResolvedMaterials,
  SourcePosition,
  SourceRange,
} from "./input.js";
export { checkProvenanceOptions, type ProvenanceMode, type ProvenanceOptions, type ProvenanceVersion } from "./options.js";
export { provenanceAttestation, provenancePredicate, type ProvenanceAttestationOptions } from "./provenance.js";
export { buildTypeV02, buildTypeV1 } from "./predicate.js";
export { inTotoStatement, inTotoStatementType, serializeStatement, type Subject } from "./statement.js";
export type { InTotoStatement } from "@exp/solver";
export { imagePurl } from "./purl.js";
export { githubActionsBuilderId } from "./github-actions.js";
export { redactUrl } from "./redact.js";
export { ProvenanceInputError } from "./errors.js";
export type { JsonValue } from "./go-json.js";

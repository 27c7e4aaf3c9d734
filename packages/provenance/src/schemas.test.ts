import { describe, expect, it } from "vitest";
import type { ProvenanceMode, ProvenanceVersion } from "./options.js";
import { provenanceAttestation, provenancePredicate } from "./provenance.js";
import { schemaErrors, schemaIds } from "./schema-support.js";
import { inTotoStatement, type Subject } from "./statement.js";
import { sampleInput } from "./test-support.js";

const subjects: Subject[] = [
  { name: "pkg:docker/octo/app@1.0?platform=linux%2Famd64", digest: { sha256: "e".repeat(64) } },
  { name: "pkg:docker/ghcr.io/octo/app@1.0?platform=linux%2Famd64", digest: { sha256: "e".repeat(64) } },
];
const combos: [ProvenanceVersion, ProvenanceMode][] = [
  ["v1", "min"],
  ["v1", "max"],
  ["v0.2", "min"],
  ["v0.2", "max"],
];
const predicateSchema = (version: ProvenanceVersion) => (version === "v1" ? schemaIds.slsaProvenanceV1 : schemaIds.ecCliPredicateV02);

/** A deep copy with `edit` applied, for breaking a valid document on purpose. */
function broken<T>(document: T, edit: (copy: any) => void): T {
  const copy = JSON.parse(JSON.stringify(document));
  edit(copy);
  return copy;
}

describe("every predicate and statement validates", () => {
  for (const [version, mode] of combos) {
    it(`${version} ${mode}: the predicate against its schema, the statement against in-toto Statement v1`, () => {
      const attestation = provenanceAttestation(sampleInput(), { mode, version });
      expect(schemaErrors(predicateSchema(version), attestation.predicate)).toEqual([]);
      expect(schemaErrors(schemaIds.inTotoStatementV1, inTotoStatement(attestation, subjects))).toEqual([]);
    });
  }

  it("a build with no materials and no local sources (everything optional left out) validates too", () => {
    for (const [version, mode] of combos) {
      const predicate = provenancePredicate(sampleInput({ materials: {}, localSources: [], request: {}, steps: undefined, dockerfile: undefined }), { mode, version });
      expect(schemaErrors(predicateSchema(version), predicate)).toEqual([]);
    }
  });
});

describe("the schemas refuse broken documents (so a pass above means something)", () => {
  const v1 = provenancePredicate(sampleInput(), { mode: "max", version: "v1" });
  const v02 = provenancePredicate(sampleInput(), { mode: "max", version: "v0.2" });
  const statement = inTotoStatement(provenanceAttestation(sampleInput(), { mode: "max", version: "v1" }), subjects);

  const v1Breaks: [string, (d: any) => void, string][] = [
    ["no buildDefinition", (d) => delete d.buildDefinition, "/ must have required property 'buildDefinition'"],
    ["no buildType", (d) => delete d.buildDefinition.buildType, "/buildDefinition must have required property 'buildType'"],
    ["externalParameters not an object", (d) => (d.buildDefinition.externalParameters = "x"), "/buildDefinition/externalParameters must be object"],
    ["a material digest that is not hex", (d) => (d.buildDefinition.resolvedDependencies[0].digest.sha256 = "XYZ"), "/buildDefinition/resolvedDependencies/0/digest/sha256 must match pattern"],
    ["a material with neither uri nor digest", (d) => (d.buildDefinition.resolvedDependencies[0] = { name: "x" }), "/buildDefinition/resolvedDependencies/0 must match a schema in anyOf"],
    ["builder id that is no URI", (d) => (d.runDetails.builder.id = ""), "/runDetails/builder/id must match format \"uri\""],
    ["a timestamp that is not UTC", (d) => (d.runDetails.metadata.startedOn = "2024-05-01T12:00:00+02:00"), "/runDetails/metadata/startedOn must match pattern"],
    ["a misspelt field (no underscore, so no extension)", (d) => (d.runDetails.metadata.invocationID = "x"), "/runDetails/metadata must NOT have additional properties"],
  ];
  for (const [what, edit, error] of v1Breaks) {
    it(`SLSA v1: ${what}`, () => {
      expect(schemaErrors(schemaIds.slsaProvenanceV1, broken(v1, edit)).join("\n")).toContain(error);
    });
  }

  const v02Breaks: [string, (d: any) => void, string][] = [
    ["no builder", (d) => delete d.builder, "/ must have required property 'builder'"],
    ["no buildType", (d) => delete d.buildType, "/ must have required property 'buildType'"],
    ["a digest algorithm the DigestSet does not know", (d) => (d.materials[0].digest = { sha257: "ab" }), "/materials/0/digest must be equal to one of the allowed values"],
    ["an upper-case hex digest", (d) => (d.materials[0].digest.sha256 = d.materials[0].digest.sha256.toUpperCase()), "/materials/0/digest/sha256 must match pattern"],
    ["a start time that is no date-time", (d) => (d.metadata.buildStartedOn = "yesterday"), "/metadata/buildStartedOn must match format \"date-time\""],
    ["completeness.materials not a boolean", (d) => (d.metadata.completeness.materials = "yes"), "/metadata/completeness/materials must be boolean"],
    ["an empty entryPoint", (d) => (d.invocation.configSource.entryPoint = ""), "/invocation/configSource/entryPoint must NOT have fewer than 1 characters"],
  ];
  for (const [what, edit, error] of v02Breaks) {
    it(`SLSA v0.2 (ec-cli): ${what}`, () => {
      expect(schemaErrors(schemaIds.ecCliPredicateV02, broken(v02, edit)).join("\n")).toContain(error);
    });
  }

  const statementBreaks: [string, (d: any) => void, string][] = [
    ["a v0.1 _type", (d) => (d._type = "https://in-toto.io/Statement/v0.1"), "/_type must be equal to constant"],
    ["no subject", (d) => delete d.subject, "/ must have required property 'subject'"],
    ["a subject without digest", (d) => delete d.subject[0].digest, "/subject/0 must have required property 'digest'"],
    ["a subject sha256 of the wrong length", (d) => (d.subject[1].digest.sha256 = "abc"), "/subject/1/digest/sha256 must match pattern"],
    ["a predicateType that is no URI", (d) => (d.predicateType = "slsa provenance"), "/predicateType must match format \"uri\""],
    ["a predicate that is not an object", (d) => (d.predicate = "x"), "/predicate must be object"],
  ];
  for (const [what, edit, error] of statementBreaks) {
    it(`in-toto Statement v1: ${what}`, () => {
      expect(schemaErrors(schemaIds.inTotoStatementV1, broken(statement, edit)).join("\n")).toContain(error);
    });
  }
});

describe("where BuildKit's documents and the published v0.2 schema disagree (documented, not papered over)", () => {
  it("a whole BuildKit v0.2 statement fails ec-cli's statement schema on _type alone: BuildKit writes Statement v1, the schema wants v0.1", () => {
    const statement = inTotoStatement(provenanceAttestation(sampleInput(), { mode: "max", version: "v0.2" }), subjects);
    expect(schemaErrors(schemaIds.ecCliStatementV02, statement)).toEqual(["/_type must be equal to constant"]);
  });

  it("BuildKit's default builder id, an empty string, is no URI: both schemas refuse it, and exp writes it as BuildKit does", () => {
    const input = sampleInput({ builderId: undefined });
    const v1Errors = schemaErrors(schemaIds.slsaProvenanceV1, provenancePredicate(input, { mode: "min", version: "v1" }));
    expect(v1Errors).toContain('/runDetails/builder/id must match format "uri"');
    expect(v1Errors.every((error) => error.startsWith("/runDetails/builder/id "))).toBe(true);
    expect(schemaErrors(schemaIds.ecCliPredicateV02, provenancePredicate(input, { mode: "min", version: "v0.2" }))).toEqual(['/builder/id must match format "uri"']);
  });
});

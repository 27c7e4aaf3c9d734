import { predicateTypes } from "@exp/solver";
import { describe, expect, it } from "vitest";
import { ProvenanceInputError } from "./errors.js";
import { goJSON } from "./go-json.js";
import { provenanceAttestation } from "./provenance.js";
import { imagePurl } from "./purl.js";
import { redactUrl } from "./redact.js";
import { inTotoStatement, serializeStatement } from "./statement.js";
import { sampleInput } from "./test-support.js";

const digest = { sha256: "a".repeat(64) };

describe("inTotoStatement", () => {
  it("is BuildKit's v1 statement: _type, predicateType, subject, predicate in that order", () => {
    const attestation = provenanceAttestation(sampleInput(), { mode: "min", version: "v0.2" });
    expect(attestation.predicateType).toBe(predicateTypes.slsaProvenanceV02);
    expect(attestation.path).toBe("provenance.json");
    const statement = inTotoStatement(attestation, [{ name: "a", digest }, { name: "b", digest, path: "/x" } as never]);
    expect(Object.keys(statement)).toEqual(["_type", "predicateType", "subject", "predicate"]);
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.subject).toEqual([{ name: "a", digest }, { name: "b", digest }]);
    expect(provenanceAttestation(sampleInput(), { mode: "min", version: "v1", filename: "prov.json" }).path).toBe("prov.json");
  });

  it("refuses a subject without a name or with a digest that is not sha256 hex", () => {
    const attestation = provenanceAttestation(sampleInput(), { mode: "min", version: "v1" });
    expect(() => inTotoStatement(attestation, [{ name: "", digest }])).toThrow(ProvenanceInputError);
    expect(() => inTotoStatement(attestation, [{ name: "a", digest: { sha256: "A".repeat(64) } }])).toThrow(/subjects\[0\].digest.sha256/);
  });
});

describe("Go's JSON bytes", () => {
  it("escapes <, >, &, U+2028 and U+2029 as json.Marshal does, and a lone surrogate as \\ufffd", () => {
    expect(goJSON({ a: "<b> & \u2028\u2029", "k<": 1 })).toBe('{"a":"\\u003cb\\u003e \\u0026 \\u2028\\u2029","k\\u003c":1}');
    expect(goJSON({ a: "x\uD800y", b: "\\uD800" })).toBe('{"a":"x\\ufffdy","b":"\\\\uD800"}');
    expect(goJSON({ a: "\b\f\n\u0001" })).toBe('{"a":"\\b\\f\\n\\u0001"}');
  });

  it("serialises a statement compact (image) or indented by two spaces (local output)", () => {
    const statement = inTotoStatement(provenanceAttestation(sampleInput(), { mode: "min", version: "v1" }), [{ name: "a", digest }]);
    expect(serializeStatement(statement)).toBe(goJSON(statement));
    expect(serializeStatement(statement)).not.toContain("\n");
    expect(serializeStatement(statement, { indent: "  " }).split("\n")[1]).toBe('  "_type": "https://in-toto.io/Statement/v1",');
    expect(JSON.parse(serializeStatement(statement))).toEqual(JSON.parse(JSON.stringify(statement)));
  });
});

describe("purls as BuildKit's RefToPURL writes them (its util/purl tests)", () => {
  const d = `sha256:${"9".repeat(64)}`;
  const cases: [string, string][] = [
    ["alpine", "pkg:docker/alpine@latest"],
    ["library/alpine:3.15", "pkg:docker/alpine@3.15"],
    ["docker.io/library/alpine:latest", "pkg:docker/alpine@latest"],
    [`docker.io/library/alpine:latest@${d}`, `pkg:docker/alpine@latest?digest=${d}`],
    [`docker.io/library/alpine@${d}`, `pkg:docker/alpine?digest=${d}`],
    ["user/test:v2", "pkg:docker/user/test@v2"],
    ["ghcr.io/foo/bar:v2", "pkg:docker/ghcr.io/foo/bar@v2"],
    ["localhost:5000/foo", "pkg:docker/localhost%3A5000/foo@latest"],
  ];
  for (const [ref, purl] of cases) it(ref, () => expect(imagePurl(ref)).toBe(purl));
  it("with a platform, after the digest, normalised", () => {
    expect(imagePurl(`busybox@${d}`, { os: "linux", architecture: "arm64", variant: "v8" })).toBe(`pkg:docker/busybox?digest=${d}&platform=linux%2Farm64`);
  });
});

describe("URL redaction, as BuildKit's RedactCredentials and stricter", () => {
  const cases: [string, string][] = [
    ["https://user:pass@host/p.git", "https://xxxxx:xxxxx@host/p.git"],
    ["https://user@host/p", "https://xxxxx@host/p"],
    ["https://:pass@host/p", "https://:xxxxx@host/p"],
    ["https://host/p?a=1&token=t&X-Amz-Signature=s#frag", "https://host/p?a=1&token=xxxxx&X-Amz-Signature=xxxxx#frag"],
    ["git@github.com:org/repo.git", "git@github.com:org/repo.git"],
    ["user:pass@host:org/repo.git", "xxxxx:xxxxx@host:org/repo.git"],
    ["not a url", "not a url"],
  ];
  for (const [url, redacted] of cases) it(url, () => expect(redactUrl(url)).toBe(redacted));
});

import { asDigest } from "@exp/oci-spec";
import { describe, expect, it } from "vitest";
import type { ProvenanceInput } from "./input.js";
import { provenanceAttestation, provenancePredicate } from "./provenance.js";
import { inTotoStatement } from "./statement.js";
import { fixture } from "./test-support.js";

/**
 * Field-by-field comparison with provenance BuildKit wrote (its and buildx's documentation, see
 * __fixtures__/README.md): the same keys at the same nesting with the same JSON types. Values
 * differ by nature (ids, times, digests); objects whose keys are data (args, vcs, digests, layers)
 * are compared as maps. Every difference is listed below with why; anything else fails.
 */
type Paths = Map<string, string>;

// Objects keyed by data rather than by schema.
const mapKeys = new Set(["args", "vcs", "digest", "layers", "digestMapping", "locations"]);

function pathsOf(value: unknown, path = "", key = "", out: Paths = new Map()): Paths {
  if (Array.isArray(value)) {
    out.set(path, "array");
    for (const item of value) pathsOf(item, `${path}[]`, "", out);
  } else if (value !== null && typeof value === "object") {
    // `locations` is a map of steps in `source`, and an array inside each step's entry.
    const isMap = mapKeys.has(key);
    out.set(path, isMap ? "map" : "object");
    for (const [k, v] of Object.entries(value)) pathsOf(v, isMap ? `${path}{*}` : path ? `${path}.${k}` : k, isMap ? "" : k, out);
  } else {
    out.set(path, value === null ? "null" : typeof value);
  }
  return out;
}

/** Paths whose type differs, and paths only one side has, minus the documented exceptions. */
function compare(ours: unknown, theirs: unknown, onlyTheirs: Record<string, string>, onlyOurs: Record<string, string>): string[] {
  const a = pathsOf(ours);
  const b = pathsOf(theirs);
  const problems: string[] = [];
  for (const [path, type] of b) {
    if (!a.has(path)) {
      if (!Object.keys(onlyTheirs).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}{`) || path.startsWith(`${p}[`))) problems.push(`missing ${path} (${type})`);
    } else if (a.get(path) !== type) problems.push(`${path}: ours ${a.get(path)}, BuildKit's ${type}`);
  }
  for (const [path, type] of a) {
    if (!b.has(path) && !Object.keys(onlyOurs).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}{`) || path.startsWith(`${p}[`))) problems.push(`extra ${path} (${type})`);
  }
  return problems;
}

// The documented build: FROM alpine:latest, a local context, the default Dockerfile, no builder id.
const alpine = (extra: Partial<ProvenanceInput> = {}): ProvenanceInput => ({
  invocationId: "46ue2x93k3xj5l463dektwldw",
  startedOn: "2022-12-08T11:50:54.953375437Z",
  finishedOn: "2022-12-08T11:50:55.447841328Z",
  builderPlatform: { os: "linux", architecture: "amd64" },
  dockerfile: { filename: "Dockerfile", content: "FROM alpine:latest\n" },
  materials: { images: [{ ref: "alpine:latest", digest: `sha256:${"8".repeat(64)}`, platform: { os: "linux", architecture: "amd64" } }] },
  ...extra,
});
const subject = [{ name: "pkg:docker/octo/app@latest?platform=linux%2Famd64", digest: { sha256: "e".repeat(64) } }];
const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: asDigest(`sha256:${"c".repeat(64)}`), size: 3370706 };

// Go's omitempty never writes an empty map or a false bool: the v1 examples were edited.
const editedInV1Docs = {
  "predicate.buildDefinition.externalParameters.request.args": "an empty map: omitempty leaves it out",
  "predicate.runDetails.metadata.buildkit_reproducible": "false: omitempty leaves it out",
};

describe("the shape of BuildKit's documented provenance", () => {
  it("v1, mode=min: docs/attestations/slsa-provenance.md", () => {
    const ours = inTotoStatement(provenanceAttestation(alpine(), { mode: "min", version: "v1" }), subject);
    expect(compare(ours, fixture("buildkit/slsa-provenance-v1-min.json"), editedInV1Docs, {})).toEqual([]);
  });

  it("v1, mode=max: docs/attestations/slsa-provenance.md", () => {
    // One step more than FROM: BuildKit's last LLB vertex is its terminal op, which reads step0; exp's WORKDIR does the same.
    const input = alpine({
      steps: {
        result: "workdir",
        steps: [
          { id: "alpine", kind: "image", name: "[1/2] FROM docker.io/library/alpine:latest", cacheKey: `sha256:${"1".repeat(64)}`, layers: [layer], locations: [{ start: { line: 1 }, end: { line: 1 } }] },
          { id: "workdir", kind: "mkdir", name: "[2/2] WORKDIR /app", cacheKey: `sha256:${"2".repeat(64)}`, inputs: ["alpine"] },
        ],
      },
    });
    const ours = inTotoStatement(provenanceAttestation(input, { mode: "max", version: "v1" }), subject);
    const elidedInDocs = {
      "predicate.buildDefinition.internalParameters.buildConfig.llbDefinition[].op": "the example leaves each step's op out (BuildKit writes the LLB op; exp its own, see README)",
      "predicate.buildDefinition.internalParameters.buildConfig.digestMapping": "left out of the example; BuildKit writes it",
      "predicate.runDetails.metadata.buildkit_metadata.source.infos[].language": "left out of the example; the Dockerfile frontend sets it",
      "predicate.runDetails.metadata.buildkit_metadata.source.infos[].data": "left out of the example; BuildKit embeds the Dockerfile",
      "predicate.runDetails.metadata.buildkit_metadata.source.locations": "left out of the example; BuildKit writes the source map",
    };
    expect(compare(ours, fixture("buildkit/slsa-provenance-v1-max.json"), editedInV1Docs, elidedInDocs)).toEqual([]);
  });

  it("v0.2, mode=min, dockerfile.v0: buildx imagetools inspect's example", () => {
    const ours = provenancePredicate(alpine(), { mode: "min", version: "v0.2" });
    const theirs = fixture("buildkit/buildx-imagetools-provenance-v0.2-min.json");
    // buildx 0.10 (the example's) sent no `filename` for the default Dockerfile; buildx today always does (build/opt.go).
    expect(compare(ours, theirs, {}, { "invocation.configSource.entryPoint": "buildx now sends filename" })).toEqual([]);
  });

  it("v0.2, mode=min, with args and VCS hints: buildx history inspect attachment's example", () => {
    const input = alpine({ request: { target: "binaries", vcs: { revision: "a9ba846486420e07d30db1107411ac3697ecab68", source: "git@github.com:org/repo.git" } } });
    const ours = provenancePredicate(input, { mode: "min", version: "v0.2" });
    expect(compare(ours, fixture("buildkit/buildx-history-provenance-v0.2-min.json"), {}, {})).toEqual([]);
  });

  it("the comparison itself fails on a renamed field, a wrong type and a missing member", () => {
    const theirs = fixture("buildkit/buildx-history-provenance-v0.2-min.json") as any;
    const renamed = structuredClone(theirs);
    renamed.metadata.buildInvocationId = renamed.metadata.buildInvocationID;
    delete renamed.metadata.buildInvocationID;
    expect(compare(renamed, theirs, {}, {})).toEqual(["missing metadata.buildInvocationID (string)", "extra metadata.buildInvocationId (string)"]);
    const retyped = structuredClone(theirs);
    retyped.metadata.reproducible = "false";
    expect(compare(retyped, theirs, {}, {})).toEqual(["metadata.reproducible: ours string, BuildKit's boolean"]);
    const dropped = structuredClone(theirs);
    delete dropped.invocation.environment;
    expect(compare(dropped, theirs, {}, {})).toEqual(["missing invocation.environment (object)", "missing invocation.environment.platform (string)"]);
  });
});

/**
 * Key order: Go writes struct fields in declaration order (embedded structs' fields where they sit,
 * shadowed ones dropped) and map keys sorted. These are the orders of BuildKit's types
 * (solver/llbsolver/provenance/types/types.go) and in-toto-golang v0.11's, which BuildKit vendors.
 */
const goOrder: Record<string, readonly string[]> = {
  v02: ["builder", "buildType", "materials", "invocation", "buildConfig", "metadata"],
  "v02.invocation": ["configSource", "parameters", "environment"],
  "v02.invocation.configSource": ["uri", "digest", "entryPoint"],
  "v02.invocation.parameters": ["frontend", "args", "secrets", "ssh", "locals", "inputs", "root", "compatibilityVersion"],
  "v02.buildConfig": ["llbDefinition", "digestMapping"],
  "v02.buildConfig.llbDefinition[]": ["id", "op", "inputs", "resourceUsage"],
  "v02.metadata": ["buildInvocationID", "buildStartedOn", "buildFinishedOn", "completeness", "reproducible", "https://mobyproject.org/buildkit@v1#metadata", "https://mobyproject.org/buildkit@v1#hermetic"],
  "v02.metadata.completeness": ["parameters", "environment", "materials"],
  "v02.metadata.https://mobyproject.org/buildkit@v1#metadata": ["vcs", "source", "layers", "sysUsage", "network"],
  "v02.metadata.https://mobyproject.org/buildkit@v1#metadata.source": ["locations", "infos"],
  "v02.metadata.https://mobyproject.org/buildkit@v1#metadata.source.infos[]": ["filename", "language", "data", "llbDefinition", "digestMapping"],
  v1: ["buildDefinition", "runDetails"],
  "v1.buildDefinition": ["buildType", "resolvedDependencies", "externalParameters", "internalParameters"],
  "v1.buildDefinition.externalParameters": ["configSource", "request"],
  "v1.buildDefinition.externalParameters.configSource": ["uri", "digest", "path"],
  "v1.buildDefinition.externalParameters.request": ["frontend", "args", "secrets", "ssh", "locals", "inputs", "root", "compatibilityVersion"],
  "v1.runDetails": ["builder", "byproducts", "metadata"],
  "v1.runDetails.metadata": ["invocationId", "startedOn", "finishedOn", "buildkit_metadata", "buildkit_hermetic", "buildkit_completeness", "buildkit_reproducible"],
  "v1.runDetails.metadata.buildkit_completeness": ["request", "resolvedDependencies"],
  "v1.runDetails.metadata.buildkit_metadata": ["vcs", "source", "layers", "sysUsage", "network"],
  "v1.runDetails.metadata.buildkit_metadata.source": ["locations", "infos"],
};

function at(value: any, path: string): any {
  let v = value;
  for (const part of path.split(/\.(?![^.]*#)/).slice(1)) {
    if (part.endsWith("[]")) v = v?.[part.slice(0, -2)]?.[0];
    else v = v?.[part];
  }
  return v;
}

describe("key order", () => {
  const everything: Partial<ProvenanceInput> = {
    request: { context: "https://github.com/octo/app.git#main", buildArgs: { B: "1", A: "2" }, vcs: { source: "x" } },
    materials: { git: [{ url: "https://github.com/octo/app.git", commit: "4b220de5058abfd01ff619c9d2ff6b09a049bea0" }], images: [{ ref: "alpine", digest: `sha256:${"8".repeat(64)}` }] },
    localSources: [],
    secrets: [{ id: "s" }],
    ssh: [{ id: "" }],
    reproducible: true,
    dockerfileVersion: "1.26",
    steps: { result: "a", steps: [{ id: "a", kind: "image", name: "FROM alpine", cacheKey: `sha256:${"1".repeat(64)}`, layers: [layer], locations: [{ start: { line: 1 }, end: { line: 1 } }] }] },
  };
  for (const version of ["v0.2", "v1"] as const) {
    it(`${version}: every object's keys in Go's order, and every ordered object present`, () => {
      const predicate = provenancePredicate(alpine(everything), { mode: "max", version });
      const prefix = version === "v0.2" ? "v02" : "v1";
      for (const [path, order] of Object.entries(goOrder).filter(([p]) => p === prefix || p.startsWith(`${prefix}.`))) {
        const object = at(predicate, path);
        expect(object, path).toBeTypeOf("object");
        const keys = Object.keys(object);
        expect(keys.every((k) => order.includes(k)), `${path}: ${keys.join(", ")}`).toBe(true);
        expect(keys, path).toEqual([...keys].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
      }
    });
  }

  it("maps, and the objects Go marshals through a map (v1 internalParameters, v0.2 environment), are sorted", () => {
    const v1 = provenancePredicate(alpine(everything), { mode: "max", version: "v1" }) as any;
    const internal = v1.buildDefinition.internalParameters;
    expect(Object.keys(internal)).toEqual(["buildConfig", "builderPlatform", "dockerfileVersion"]);
    expect(Object.keys(internal.buildConfig)).toEqual(["digestMapping", "llbDefinition"]);
    expect(Object.keys(internal.buildConfig.llbDefinition[0])).toEqual(["id", "op"]);
    expect(Object.keys(internal.buildConfig.llbDefinition[0].op)).toEqual(["cacheKey", "kind", "name"]);
    expect(Object.keys(v1.buildDefinition.externalParameters.request.args)).toEqual(["build-arg:A", "build-arg:B"]);
    const v02 = provenancePredicate(alpine(everything), { mode: "max", version: "v0.2" }) as any;
    expect(Object.keys(v02.invocation.environment)).toEqual(["dockerfileVersion", "platform"]);
    // v0.2's buildConfig is a struct: its own order, not sorted.
    expect(Object.keys(v02.buildConfig)).toEqual(["llbDefinition", "digestMapping"]);
    expect(Object.keys(v02.buildConfig.llbDefinition[0].op)).toEqual(["kind", "name", "cacheKey"]);
  });

  it("the v0.2 top level matches the order of both documented v0.2 documents", () => {
    const ours = Object.keys(provenancePredicate(alpine(), { mode: "min", version: "v0.2" }) as object);
    for (const file of ["buildkit/buildx-imagetools-provenance-v0.2-min.json", "buildkit/buildx-history-provenance-v0.2-min.json"]) {
      expect(ours).toEqual(Object.keys(fixture(file) as object));
    }
  });
});

import { describe, expect, it } from "vitest";
import { digestOf, type Descriptor, type Digest } from "@exp/oci-spec";
import { buildCacheConfig, chainOf, parseCacheConfig, type ExportRecord } from "./index.js";

const blob = (name: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  digest: digestOf(`blob ${name}`),
  size: name.length * 100,
  annotations: { "containerd.io/uncompressed": digestOf(`tar ${name}`) },
});
const key = (name: string) => digestOf(`key ${name}`);
const [A, B, C, D] = ["a", "b", "c", "d"].map(blob) as [Descriptor, Descriptor, Descriptor, Descriptor];

/** scratch <- COPY a <- COPY b <- COPY c, and a sibling COPY d on top of b. */
const graph: ExportRecord[] = [
  { key: key("copy-a"), inputs: [], result: [{ descriptor: A, createdAt: "2023-11-14T22:13:20Z" }] },
  { key: key("copy-b"), inputs: [[key("copy-a")]], result: [{ descriptor: A }, { descriptor: B }] },
  { key: key("copy-c"), inputs: [[key("copy-b")]], result: [{ descriptor: A }, { descriptor: B }, { descriptor: C }] },
  { key: key("copy-d"), inputs: [[key("copy-b")]], result: [{ descriptor: A }, { descriptor: B }, { descriptor: D }] },
];

function resultChains(config: ReturnType<typeof buildCacheConfig>["config"]): Record<string, Digest[]> {
  return Object.fromEntries(config.records.map((r) => [r.digest, r.layers ? chainOf(config, r.layers[0]!.layer) : []]));
}

describe("buildCacheConfig", () => {
  it("stores shared chain prefixes once and links every record to its input", () => {
    const { config, layers } = buildCacheConfig(graph);
    expect(config.layers).toHaveLength(4);
    expect(layers.map((l) => l.digest)).toEqual(config.layers!.map((l) => l.blob));
    expect(resultChains(config)).toEqual({
      [key("copy-a")]: [A.digest],
      [key("copy-b")]: [A.digest, B.digest],
      [key("copy-c")]: [A.digest, B.digest, C.digest],
      [key("copy-d")]: [A.digest, B.digest, D.digest],
    });
    const byDigest = new Map(config.records.map((r, i) => [r.digest, i]));
    const linkOf = (name: string) => config.records[byDigest.get(key(name))!]!.inputs?.[0]?.[0]?.link;
    expect(linkOf("copy-c")).toBe(byDigest.get(key("copy-b")));
    expect(linkOf("copy-a")).toBeUndefined();
  });

  it("is sorted as BuildKit sorts it: by blob, parents remapped, 0 parents omitted", () => {
    const { config } = buildCacheConfig(graph);
    const blobs = config.layers!.map((l) => l.blob);
    expect(blobs).toEqual([...blobs].sort());
    expect(config.records.map((r) => r.digest)).toEqual(config.records.map((r) => r.digest).sort());
    const json = JSON.stringify(config);
    expect(json).not.toContain('"parent":0');
    const base = config.layers!.find((l) => l.blob === A.digest)!;
    expect(base.parent).toBe(-1);
  });

  it("gives byte-identical configs whatever order the records come in", () => {
    const once = JSON.stringify(buildCacheConfig(graph).config);
    const shuffled = JSON.stringify(buildCacheConfig([graph[3]!, graph[1]!, graph[0]!, graph[2]!]).config);
    expect(shuffled).toBe(once);
  });

  it("keeps a record whose blobs are gone, without a result", () => {
    const { config } = buildCacheConfig([graph[0]!, { ...graph[1]!, result: undefined }]);
    expect(config.records).toHaveLength(2);
    expect(config.records.filter((r) => r.layers)).toHaveLength(1);
  });

  it("puts BuildKit's annotations on the layer descriptors, and in the table for the s3 format", () => {
    const { layers } = buildCacheConfig(graph);
    const a = layers.find((l) => l.digest === A.digest)!;
    expect(a.annotations).toEqual({ "containerd.io/uncompressed": A.annotations!["containerd.io/uncompressed"], "buildkit/createdat": "2023-11-14T22:13:20Z" });
    const { config } = buildCacheConfig(graph, { layerAnnotations: true });
    expect(config.layers!.find((l) => l.blob === A.digest)!.annotations).toEqual({
      mediaType: A.mediaType,
      diffID: A.annotations!["containerd.io/uncompressed"],
      size: A.size,
      createdAt: "2023-11-14T22:13:20Z",
    });
    expect(config.layers!.find((l) => l.blob === B.digest)!.annotations!.createdAt).toBe("0001-01-01T00:00:00Z");
  });
});

describe("parseCacheConfig", () => {
  it("round-trips what buildCacheConfig writes", () => {
    const { config } = buildCacheConfig(graph);
    expect(parseCacheConfig(JSON.stringify(config))).toEqual(config);
  });

  it("reads a missing parent as 0, as Go's omitempty means it", () => {
    const config = parseCacheConfig(JSON.stringify({ layers: [{ blob: A.digest, parent: -1 }, { blob: B.digest }], records: [{ digest: key("x"), layers: [{ layer: 1 }] }] }));
    expect(chainOf(config, 1)).toEqual([A.digest, B.digest]);
  });

  it.each([
    ["a link to a missing record", { records: [{ digest: key("x"), inputs: [[{ link: 3 }]] }] }, /links to record 3/],
    ["a result naming a missing layer", { records: [{ digest: key("x"), layers: [{ layer: 0 }] }] }, /names layer 0/],
    ["a parent cycle", { layers: [{ blob: A.digest, parent: 1 }, { blob: B.digest }], records: [] }, /cycle/],
    ["a bad digest", { records: [{ digest: "sha256:nope" }] }, /records\.0\.digest/],
  ])("rejects %s", (_name, value, message) => {
    expect(() => parseCacheConfig(JSON.stringify(value))).toThrow(message);
  });

  it("refuses configs over BuildKit's 1 MiB import limit, and trailing data", () => {
    expect(() => parseCacheConfig(`{"records":[]}${" ".repeat(1024 * 1024)}`)).toThrow(/1048576-byte limit/);
    expect(() => parseCacheConfig('{"records":[]}{}')).toThrow(/not JSON/);
  });
});

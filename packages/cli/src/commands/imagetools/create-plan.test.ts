import { asDigest, digestOf, parseReference, type Descriptor } from "@exp/oci-spec";
import { describe, expect, it } from "vitest";
import { combine } from "./combine.js";
import { parseCreateAnnotations } from "./create-annotations.js";
import type { FetchedSource } from "./fetch-sources.js";
import { filterPlatforms } from "./filter-platforms.js";
import { AmbiguousRepositoryError, ImagetoolsAnnotationError, InvalidSourceError, InvalidTagError, NoRepositoryError } from "./imagetools-errors.js";
import { parseSource, parseTags, planSources } from "./sources.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const hex = (c: string) => c.repeat(64);
const none = parseCreateAnnotations([]);

/** A source as fetchSources returns it, without a registry. */
function manifestSource(ref: string, platform: Descriptor["platform"], mediaType = OCI_MANIFEST): FetchedSource {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: {}, layers: [], ref }));
  return { text: ref, ref: parseReference(ref), desc: { mediaType, digest: digestOf(bytes), size: bytes.byteLength, ...(platform ? { platform } : {}) }, bytes };
}

function indexSource(ref: string, manifests: Descriptor[]): FetchedSource {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests }, null, 1));
  return { text: ref, ref: parseReference(ref), desc: { mediaType: "application/vnd.oci.image.index.v1+json", digest: digestOf(bytes), size: bytes.byteLength }, bytes };
}

const attestationFor = (subject: string, digest: string): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: asDigest(digest),
  size: 500,
  annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": subject },
  platform: { architecture: "unknown", os: "unknown" },
});

describe("imagetools create: sources and names", () => {
  it("reads a digest, a reference or a JSON descriptor, and refuses the rest naming the value", () => {
    expect(parseSource(`sha256:${hex("a")}`).given?.digest).toBe(`sha256:${hex("a")}`);
    expect(parseSource("r.example/app:1").ref?.toString()).toBe("r.example/app:1");
    expect(parseSource(`{"digest":"sha256:${hex("b")}","platform":{"os":"linux","architecture":"amd64","os.version":"10"}}`).given?.platform?.["os.version"]).toBe("10");
    for (const bad of ["sha256:abc", "UPPER/case", '{"schemaVersion":2,"manifests":[]}', '{"size":1}', "{nope"]) {
      expect(() => parseSource(bad), bad).toThrow(InvalidSourceError);
    }
    expect(() => parseSource("sha256:abc")).toThrow(/failed to parse source "sha256:abc": .*valid sources are a digest/);
    expect(() => parseTags([`r.example/app@sha256:${hex("c")}`])).toThrow(InvalidTagError);
  });

  it("reads a bare digest from the one repository named, refuses when several are, and puts the --append tag first", () => {
    const tags = parseTags(["r.example/app:1"]);
    const sources = planSources([`sha256:${hex("a")}`, "r.example/app@sha256:" + hex("b")], tags, true);
    expect(sources.map((s) => s.ref!.toString())).toEqual(["r.example/app:1", `r.example/app@sha256:${hex("a")}`, `r.example/app@sha256:${hex("b")}`]);
    expect(() => planSources([`sha256:${hex("a")}`, "r.example/other:2"], tags, false)).toThrow(AmbiguousRepositoryError);
    expect(() => planSources([`sha256:${hex("a")}`], [], false)).toThrow(NoRepositoryError);
  });
});

describe("imagetools create: --annotation as buildx's Combine takes it", () => {
  it("keeps index: and manifest-descriptor[platform]: and refuses what buildx refuses, with a stable code", () => {
    const parsed = parseCreateAnnotations(["index:i=1", "manifest-descriptor:m=all", "manifest-descriptor[linux/arm64]:m=arm", "index[linux/amd64]:j=2"]);
    expect([...parsed.index]).toEqual([
      ["i", "1"],
      ["j", "2"],
    ]);
    expect(parsed.manifestDescriptor.map((a) => a.value)).toEqual(["all", "arm"]);
    const refused: Array<[string, RegExp]> = [
      ["k=v", /"" annotations are not supported yet/],
      ["manifest:k=v", /"manifest" annotations are not supported yet/],
      ["manifest[linux/amd64]:k=v", /"manifest" annotations are not supported yet/],
      ["index-descriptor:k=v", /"index-descriptor" annotations are invalid while creating an image/],
      ["manifests:k=v", /unknown annotation type "manifests"/],
      ["index", /expected key=value/],
      ["manifest-descriptor[linux/nope]:k=v", /invalid platform "linux\/nope"/],
      ["index:=v", /empty key/],
    ];
    for (const [value, message] of refused) {
      let error: unknown;
      try {
        parseCreateAnnotations([value]);
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(ImagetoolsAnnotationError);
      expect((error as ImagetoolsAnnotationError).code).toBe("ERR_IMAGETOOLS_INVALID_ANNOTATION");
      expect((error as Error).message, value).toMatch(message);
      expect((error as Error).message).toContain(JSON.stringify(value));
      expect((error as Error).message).toContain("imagetools create takes index:key=value and manifest-descriptor[<platform>]:key=value");
    }
  });
});

describe("imagetools create: Combine and the platform filter", () => {
  const amd = manifestSource("r.example/a@sha256:" + hex("1"), { os: "linux", architecture: "amd64" });
  const arm = manifestSource("r.example/b@sha256:" + hex("2"), { os: "linux", architecture: "arm64" });

  it("lists each manifest source in an OCI index; annotations land where their prefix says", () => {
    const annotations = parseCreateAnnotations(["index:org.opencontainers.image.version=1", "manifest-descriptor:m=all", "manifest-descriptor[linux/arm64]:m=arm"]);
    const result = combine([amd, arm], annotations, true);
    const index = JSON.parse(result.bytes.toString()) as { mediaType: string; manifests: Descriptor[]; annotations: Record<string, string> };
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m) => m.digest)).toEqual([amd.desc.digest, arm.desc.digest]);
    expect(index.annotations).toEqual({ "org.opencontainers.image.version": "1" });
    expect(index.manifests.map((m) => m.annotations)).toEqual([{ m: "all" }, { m: "arm" }]);
    expect(result.desc.digest).toBe(digestOf(result.bytes));
  });

  it("a Docker manifest list when every source is a Docker manifest, which takes no annotations", () => {
    const d1 = manifestSource("r.example/a@sha256:" + hex("3"), { os: "linux", architecture: "amd64" }, DOCKER_MANIFEST);
    const d2 = manifestSource("r.example/a@sha256:" + hex("4"), { os: "linux", architecture: "arm64" }, DOCKER_MANIFEST);
    const result = combine([d1, d2], parseCreateAnnotations(["index:k=v"]), true);
    expect(result.desc.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    expect(JSON.parse(result.bytes.toString()).annotations).toBeUndefined();
    expect(result.annotationsDropped).toBe(true);
    expect(combine([d1, amd], none, true).desc.mediaType).toBe("application/vnd.oci.image.index.v1+json");
  });

  it("one index source is kept byte for byte; one manifest becomes an index unless --prefer-index=false", () => {
    const index = indexSource("r.example/a:1", [amd.desc, arm.desc]);
    expect(combine([index], none, true).bytes).toBe(index.bytes);
    expect(combine([index], none, false).bytes).toBe(index.bytes);
    expect(combine([amd], none, false).bytes).toBe(amd.bytes);
    expect(JSON.parse(combine([amd], none, true).bytes.toString()).manifests).toHaveLength(1);
  });

  it("attestation manifests follow their image through a merge and a platform filter; a dropped platform drops its own", () => {
    const attAmd = attestationFor(amd.desc.digest, "sha256:" + hex("c"));
    const attArm = attestationFor(arm.desc.digest, "sha256:" + hex("d"));
    const left = indexSource("r.example/a:1", [amd.desc, attAmd]);
    const right = indexSource("r.example/b:1", [arm.desc, attArm]);
    const merged = combine([left, right], none, true);
    const all = filterPlatforms(merged, []);
    expect(JSON.parse(all.bytes.toString()).manifests.map((m: Descriptor) => m.digest)).toEqual([amd.desc.digest, attAmd.digest, arm.desc.digest, attArm.digest]);
    expect(all.manifests!.map((m) => m.source.text)).toEqual(["r.example/a:1", "r.example/a:1", "r.example/b:1", "r.example/b:1"]);

    const armOnly = filterPlatforms(merged, [{ os: "linux", architecture: "arm64" }]);
    const kept = JSON.parse(armOnly.bytes.toString()).manifests as Descriptor[];
    expect(kept.map((m) => m.digest)).toEqual([arm.desc.digest, attArm.digest]);
    expect(kept[1]!.annotations).toEqual(attArm.annotations);
    expect(armOnly.desc.digest).toBe(digestOf(armOnly.bytes));
    expect(() => filterPlatforms(merged, [{ os: "linux", architecture: "s390x" }])).toThrow(/none of the manifests match the provided platforms \(linux\/s390x\); the index has linux\/amd64, linux\/arm64/);
  });
});

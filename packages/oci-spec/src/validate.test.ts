import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { fixtureBytes, fixtureJson } from "./__fixtures__/fixtures.js";
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  InvalidDocumentError,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  formatJsonPath,
  parseAs,
  parseManifest,
  parseManifestOrIndex,
} from "./index.js";

describe("input forms", () => {
  it("accepts bytes, text and parsed values alike", () => {
    const bytes = fixtureBytes("oci-manifest.json");
    const fromBytes = parseManifest(bytes);
    expect(parseManifest(new TextDecoder().decode(bytes))).toEqual(fromBytes);
    expect(parseManifest(JSON.parse(new TextDecoder().decode(bytes)))).toEqual(fromBytes);
  });

  it("reports bad JSON and bad UTF-8 as InvalidDocumentError with the cause", () => {
    try {
      parseManifest('{"schemaVersion": 2,');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDocumentError);
      expect((error as Error).message).toMatch(/^invalid image manifest: not valid JSON \(/);
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
    expect(() => parseManifest(Uint8Array.of(0x7b, 0xff, 0x7d))).toThrow("invalid image manifest: not valid UTF-8");
  });

  it("ignores a UTF-8 byte order mark", () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    const bytes = fixtureBytes("oci-manifest.json");
    expect(parseManifest(new Uint8Array([...bom, ...bytes])).schemaVersion).toBe(2);
  });
});

describe("InvalidDocumentError", () => {
  it("keeps every issue and counts the rest in the message", () => {
    const input = { ...fixtureJson("oci-manifest.json"), schemaVersion: 3, annotations: { a: 1 } };
    try {
      parseManifest(input);
      expect.unreachable();
    } catch (error) {
      const invalid = error as InvalidDocumentError;
      expect(invalid.message).toBe("invalid image manifest: schemaVersion: expected 2, got 3 (and 1 more problem)");
      expect(invalid.issues).toEqual([
        { path: "schemaVersion", message: "expected 2, got 3" },
        { path: "annotations.a", message: "expected string, got 1" },
      ]);
      expect(invalid.fault).toBe("client");
    }
  });
});

describe("parseAs", () => {
  it("validates any schema and names the document", () => {
    const schema = v.object({ port: v.pipe(v.number(), v.safeInteger(), v.minValue(1)) });
    expect(parseAs(schema, '{"port": 5000}', "registry config").port).toBe(5000);
    expect(() => parseAs(schema, { port: 0 }, "registry config")).toThrow(/^invalid registry config: port: too small: expected >=1, got 0$/);
  });
});

describe("formatJsonPath", () => {
  it.each<[PropertyKey[], string]>([
    [[], ""],
    [["layers", 1, "digest"], "layers[1].digest"],
    [["annotations", "org.opencontainers.image.title"], 'annotations["org.opencontainers.image.title"]'],
    [["os.version"], '["os.version"]'],
    [[0, "a"], "[0].a"],
  ])("%j -> %s", (path, expected) => {
    expect(formatJsonPath(path)).toBe(expected);
  });
});

describe("parseManifestOrIndex", () => {
  it.each([
    ["oci-manifest.json", "oci-manifest", OCI_IMAGE_MANIFEST],
    ["oci-index.json", "oci-index", OCI_IMAGE_INDEX],
    ["docker-manifest.json", "docker-manifest", DOCKER_MANIFEST],
    ["docker-manifest-list.json", "docker-manifest-list", DOCKER_MANIFEST_LIST],
  ])("tags %s as %s by its mediaType", (name, kind, mediaType) => {
    const parsed = parseManifestOrIndex(fixtureBytes(name));
    expect(parsed.kind).toBe(kind);
    expect(parsed.mediaType).toBe(mediaType);
  });

  it("narrows the document type by kind", () => {
    const parsed = parseManifestOrIndex(fixtureBytes("oci-index.json"));
    if (parsed.kind !== "oci-index") throw new Error(`unexpected ${parsed.kind}`);
    expect(parsed.document.manifests).toHaveLength(3);
  });

  it("sniffs the shape of OCI documents that omit mediaType", () => {
    const { mediaType: _m, ...manifest } = fixtureJson("oci-manifest.json");
    const { mediaType: _i, ...index } = fixtureJson("oci-index.json");
    expect(parseManifestOrIndex(manifest).kind).toBe("oci-manifest");
    expect(parseManifestOrIndex(index).kind).toBe("oci-index");
  });

  it("uses the Content-Type when the document omits mediaType, ignoring parameters and non-manifest types", () => {
    const { mediaType: _, ...manifest } = fixtureJson("oci-manifest.json");
    expect(parseManifestOrIndex(manifest, { mediaType: `${OCI_IMAGE_MANIFEST}; charset=utf-8` }).kind).toBe("oci-manifest");
    expect(parseManifestOrIndex(manifest, { mediaType: "application/json" }).kind).toBe("oci-manifest");
    // Served as an index, the manifest must then fail as one.
    expect(() => parseManifestOrIndex(manifest, { mediaType: OCI_IMAGE_INDEX })).toThrow(/^invalid image index: manifests: missing/);
  });

  it("rejects a document whose mediaType contradicts its Content-Type", () => {
    expect(() => parseManifestOrIndex(fixtureBytes("docker-manifest.json"), { mediaType: OCI_IMAGE_MANIFEST })).toThrow(
      `invalid manifest or index: mediaType: document says "${DOCKER_MANIFEST}" but was served as "${OCI_IMAGE_MANIFEST}"`,
    );
  });

  it("refuses to guess when a document looks like both", () => {
    const { mediaType: _, ...index } = fixtureJson("oci-index.json");
    expect(() => parseManifestOrIndex({ ...index, layers: [] })).toThrow(/has both manifests and layers\/config/);
  });

  it.each([
    [{ schemaVersion: 1, name: "library/alpine", fsLayers: [] }, /schemaVersion: Docker schema1 manifests are not supported/],
    [{ schemaVersion: 2 }, /no mediaType, manifests, config or layers/],
    [{ mediaType: "application/vnd.oci.artifact.manifest.v1+json", schemaVersion: 2 }, /mediaType: unsupported media type "application\/vnd\.oci\.artifact\.manifest\.v1\+json"/],
    [{ mediaType: 42 }, /mediaType: expected string, got 42/],
    [[], /expected object, got an array/],
  ])("rejects %j", (input, message) => {
    expect(() => parseManifestOrIndex(input)).toThrow(message);
  });

  it("reports the failing path of the chosen document kind", () => {
    expect(() => parseManifestOrIndex(fixtureBytes("invalid-manifest-bad-digest.json"))).toThrow(/^invalid image manifest: layers\[1\]\.digest: invalid digest/);
  });
});

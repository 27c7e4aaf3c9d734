import { describe, expect, it } from "vitest";
import { fixtureBytes, fixtureJson } from "./__fixtures__/fixtures.js";
import {
  DISTRIBUTION_ERROR_CODES,
  DOCKER_FOREIGN_LAYER_TAR,
  InvalidDocumentError,
  OCI_EMPTY,
  digestOf,
  isDistributionErrorCode,
  parseDistributionErrors,
  parseDockerManifest,
  parseDockerManifestList,
  parseImageConfig,
  parseImageLayout,
  parseImageLayoutIndex,
  parseIndex,
  parseManifest,
} from "./index.js";

/** The InvalidDocumentError a call throws, so tests can look at its message and issues. */
function failure(fn: () => unknown): InvalidDocumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDocumentError);
    return error as InvalidDocumentError;
  }
  throw new Error("expected an InvalidDocumentError, but the call succeeded");
}

describe("OCI image manifest", () => {
  it("parses the fixture and points at the config fixture by digest and size", () => {
    const manifest = parseManifest(fixtureBytes("oci-manifest.json"));
    const config = fixtureBytes("oci-config.json");
    expect(manifest.config.digest).toBe(digestOf(config));
    expect(manifest.config.size).toBe(config.byteLength);
    expect(manifest.layers.map((l) => l.mediaType.split(".").pop())).toEqual(["tar+gzip", "tar+gzip", "tar+zstd"]);
  });

  it("parses an artifact with artifactType, subject and embedded empty config", () => {
    const manifest = parseManifest(fixtureBytes("oci-attestation-manifest.json"));
    expect(manifest.artifactType).toBe("application/vnd.docker.attestation.manifest.v1+json");
    expect(manifest.config.mediaType).toBe(OCI_EMPTY);
    expect(manifest.subject?.digest).toBe(digestOf(fixtureBytes("oci-manifest.json")));
  });

  it("accepts a manifest without mediaType and with no layers (image-spec 1.1)", () => {
    const { mediaType: _, ...rest } = fixtureJson("oci-manifest.json");
    expect(parseManifest({ ...rest, layers: [] }).layers).toEqual([]);
  });

  it("keeps keys it does not know, so a rewritten manifest loses nothing", () => {
    const manifest = parseManifest({ ...fixtureJson("oci-manifest.json"), "x-future": { a: 1 } });
    expect(manifest["x-future"]).toEqual({ a: 1 });
  });

  it.each([
    ["invalid-manifest-bad-digest.json", /^invalid image manifest: layers\[1\]\.digest: invalid digest "sha256:xyz"/],
    ["invalid-manifest-missing-layers.json", /^invalid image manifest: layers: missing, expected array$/],
    ["invalid-manifest-size-string.json", /^invalid image manifest: layers\[0\]\.size: expected number, got "3408729"$/],
    ["invalid-manifest-schema-version.json", /^invalid image manifest: schemaVersion: expected 2, got 1$/],
  ])("rejects %s", (name, message) => {
    const error = failure(() => parseManifest(fixtureBytes(name)));
    expect(error.message).toMatch(message);
    expect(error.code).toBe("ERR_INVALID_DOCUMENT");
    expect(error.document).toBe("image manifest");
  });

  it("rejects an index media type, so an index is never read as a manifest", () => {
    const error = failure(() => parseManifest({ ...fixtureJson("oci-manifest.json"), mediaType: "application/vnd.oci.image.index.v1+json" }));
    expect(error.issues[0]?.path).toBe("mediaType");
  });
});

describe("OCI image index", () => {
  it("parses the fixture, attestation entry included", () => {
    const index = parseIndex(fixtureBytes("oci-index.json"));
    expect(index.manifests.map((m) => m.platform && `${m.platform.os}/${m.platform.architecture}`)).toEqual(["linux/amd64", "linux/arm64", "unknown/unknown"]);
    expect(index.manifests[2]?.annotations?.["vnd.docker.reference.digest"]).toBe(index.manifests[1]?.digest);
    expect(index.manifests[1]?.digest).toBe(digestOf(fixtureBytes("oci-manifest.json")));
  });

  it("rejects an entry whose platform has no os, naming the path", () => {
    const error = failure(() => parseIndex(fixtureBytes("invalid-index-platform-missing-os.json")));
    expect(error.message).toBe("invalid image index: manifests[0].platform.os: missing, expected string");
  });

  it("rejects a manifest in place of an index", () => {
    expect(() => parseIndex(fixtureBytes("oci-manifest.json"))).toThrow(/^invalid image index: mediaType: expected "application\/vnd\.oci\.image\.index\.v1\+json"/);
  });
});

describe("image config", () => {
  it("parses the fixture and keeps BuildKit's inline cache key", () => {
    const config = parseImageConfig(fixtureBytes("oci-config.json"));
    expect(config.architecture).toBe("arm64");
    expect(config.config?.Healthcheck?.Retries).toBe(3);
    expect(config.config?.OnBuild).toBeNull();
    expect(config.history?.filter((h) => !h.empty_layer)).toHaveLength(config.rootfs.diff_ids.length);
    expect(typeof config["moby.buildkit.cache.v0"]).toBe("string");
  });

  it("keeps Docker-only keys of the container config", () => {
    const input = fixtureJson("oci-config.json");
    const config = parseImageConfig({ ...input, config: { ...(input["config"] as object), Hostname: "", AttachStdout: false } });
    expect(config.config?.["Hostname"]).toBe("");
  });

  it.each([
    ["invalid-config-rootfs-type.json", 'invalid image config: rootfs.type: expected "layers", got "layered"'],
    ["invalid-config-env-string.json", 'invalid image config: config.Env: expected array, got "PATH=/bin"'],
  ])("rejects %s", (name, message) => {
    expect(failure(() => parseImageConfig(fixtureBytes(name))).message).toBe(message);
  });

  it("rejects a created time without zone and a diff_id that is not a digest", () => {
    const input = fixtureJson("oci-config.json");
    expect(failure(() => parseImageConfig({ ...input, created: "2024-03-18 09:41" })).issues[0]?.path).toBe("created");
    const rootfs = { type: "layers", diff_ids: ["sha256:0"] };
    expect(failure(() => parseImageConfig({ ...input, rootfs })).issues[0]?.path).toBe("rootfs.diff_ids[0]");
  });

  it("quotes keys that are not identifiers in paths", () => {
    const error = failure(() => parseImageConfig({ ...fixtureJson("oci-config.json"), "os.features": "win32k" }));
    expect(error.message).toBe('invalid image config: ["os.features"]: expected array, got "win32k"');
  });
});

describe("Docker schema2", () => {
  it("parses a manifest with a foreign layer and its urls", () => {
    const manifest = parseDockerManifest(fixtureBytes("docker-manifest.json"));
    expect(manifest.layers[0]?.mediaType).toBe(DOCKER_FOREIGN_LAYER_TAR);
    expect(manifest.layers[0]?.urls?.[0]).toMatch(/^https:\/\/mcr\.microsoft\.com\//);
  });

  it("requires mediaType, since it is all that distinguishes schema2 from OCI", () => {
    const { mediaType: _, ...rest } = fixtureJson("docker-manifest.json");
    expect(failure(() => parseDockerManifest(rest)).issues[0]?.path).toBe("mediaType");
  });

  it("parses a manifest list, Windows os.version included", () => {
    const list = parseDockerManifestList(fixtureBytes("docker-manifest-list.json"));
    expect(list.manifests.map((m) => m.platform["os.version"])).toEqual([undefined, undefined, "10.0.20348.2340"]);
  });

  it("requires a platform on every manifest list entry", () => {
    const input = fixtureJson("docker-manifest-list.json");
    const manifests = (input["manifests"] as Record<string, unknown>[]).map(({ platform: _, ...entry }) => entry);
    expect(failure(() => parseDockerManifestList({ ...input, manifests })).message).toMatch(/^invalid Docker manifest list: manifests\[0\]\.platform: missing, expected object/);
  });
});

describe("image layout", () => {
  it("accepts version 1.0.0 only", () => {
    expect(parseImageLayout(fixtureBytes("oci-layout.json"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(failure(() => parseImageLayout('{"imageLayoutVersion":"2.0.0"}')).message).toBe(
      'invalid oci-layout file: imageLayoutVersion: expected "1.0.0", got "2.0.0"',
    );
  });

  it("reads index.json as an index", () => {
    expect(parseImageLayoutIndex(fixtureBytes("oci-index.json")).manifests).toHaveLength(3);
    expect(() => parseImageLayoutIndex("{}")).toThrow(/^invalid image layout index\.json: schemaVersion: missing/);
  });
});

describe("distribution errors", () => {
  it("parses a registry error body", () => {
    const body = parseDistributionErrors(fixtureBytes("distribution-errors.json"));
    expect(body.errors.map((e) => e.code)).toEqual(["MANIFEST_UNKNOWN", "TOOMANYREQUESTS"]);
    expect(body.errors[0]?.detail).toEqual({ Tag: "1.4.3" });
  });

  it("accepts codes outside the spec but says which are known", () => {
    const body = parseDistributionErrors({ errors: [{ code: "QUOTA_EXCEEDED" }] });
    expect(body.errors[0]?.code).toBe("QUOTA_EXCEEDED");
    expect(isDistributionErrorCode("QUOTA_EXCEEDED")).toBe(false);
    expect(isDistributionErrorCode("DENIED")).toBe(true);
    expect(isDistributionErrorCode("toString")).toBe(false);
  });

  it("lists the fourteen codes of the spec", () => {
    expect(Object.keys(DISTRIBUTION_ERROR_CODES).sort()).toEqual(
      ["BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DENIED", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TOOMANYREQUESTS", "UNAUTHORIZED", "UNSUPPORTED"],
    );
  });

  it("rejects a body without an errors array and an error without a code", () => {
    expect(() => parseDistributionErrors("<html>502 Bad Gateway</html>")).toThrow(/^invalid distribution error body: not valid JSON/);
    expect(() => parseDistributionErrors({ errors: [{ message: "x" }] })).toThrow("invalid distribution error body: errors[0].code: missing, expected string");
  });
});

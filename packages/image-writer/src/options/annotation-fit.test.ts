import { describe, expect, it } from "vitest";
import type { ExportSource, PlatformResult } from "@exp/solver";
import { AnnotationMisfitError, checkAnnotationsFit } from "./annotation-fit.js";
import { parseAnnotations } from "./annotations.js";
import type { ImageCommitOptions } from "./image-options.js";

// Only the platforms and multiPlatform are read by the check; the rest of a result is irrelevant.
function source(platforms: string[], multiPlatform = platforms.length > 1): ExportSource {
  const results = platforms.map((p) => {
    const [os, architecture, variant] = p.split("/");
    return { platform: { os, architecture, ...(variant ? { variant } : {}) } } as unknown as PlatformResult;
  });
  return { results, multiPlatform, metadata: {} };
}

function options(attrs: Record<string, string>): ImageCommitOptions {
  return { names: [], ociMediaTypes: true, ociArtifact: true, attestationInline: true, compression: { type: "gzip", force: false }, rewriteTimestamp: false, annotations: parseAnnotations("exporter oci", attrs) };
}

function failure(attrs: Record<string, string>, built: ExportSource): AnnotationMisfitError {
  try {
    checkAnnotationsFit("exporter oci", options(attrs), built);
  } catch (error) {
    expect(error).toBeInstanceOf(AnnotationMisfitError);
    return error as AnnotationMisfitError;
  }
  throw new Error(`no error for ${JSON.stringify(attrs)}`);
}

describe("checkAnnotationsFit, as BuildKit's exporter/containerimage/writer.go", () => {
  it("refuses a manifest annotation for a platform that is not built, with BuildKit's message (multi-platform)", () => {
    const error = failure({ "annotation-manifest[linux/s390x].k": "v" }, source(["linux/amd64", "linux/arm64"]));
    expect(error.code).toBe("ERR_ANNOTATION_MISFIT");
    expect(error.attr).toBe("annotation-manifest[linux/s390x].k");
    expect(error.message).toContain("invalid annotation: no platform linux/s390x found in source");
    expect(error.message).toContain("linux/amd64, linux/arm64");
  });

  it("refuses it on a single-platform build too (BuildKit drops it there: its FindRef returns the only ref)", () => {
    expect(failure({ "annotation-manifest[linux/arm64].k": "v" }, source(["linux/amd64"])).message).toContain("no platform linux/arm64 found in source");
    expect(failure({ "annotation-manifest-descriptor[linux/arm64].k": "v" }, source(["linux/amd64"], true)).attr).toBe("annotation-manifest-descriptor[linux/arm64].k");
  });

  it("accepts a qualifier naming a built platform in any spelling that normalizes to it", () => {
    expect(() => checkAnnotationsFit("x", options({ "annotation-manifest[linux/arm64/v8].k": "v", "annotation-manifest[linux/amd64].k": "w" }), source(["linux/amd64", "linux/arm64"]))).not.toThrow();
    expect(() => checkAnnotationsFit("x", options({ "annotation-manifest[linux/amd64].k": "v" }), source(["linux/amd64"]))).not.toThrow();
  });

  it("refuses index and index-descriptor annotations on a single-platform export, and takes them with an index", () => {
    for (const attr of ["annotation-index.k", "annotation-index-descriptor.k"]) {
      const error = failure({ [attr]: "v" }, source(["linux/amd64"]));
      expect(error.message).toContain("index annotations not supported for single platform export");
      expect(error.attr).toBe(attr);
      expect(() => checkAnnotationsFit("x", options({ [attr]: "v" }), source(["linux/amd64"], true))).not.toThrow();
    }
  });
});

import { describe, expect, it } from "vitest";
import { annotationsFor, parseAnnotations } from "./annotations.js";

describe("annotations, merged as BuildKit's AnnotationsGroup", () => {
  it("a platform-qualified manifest annotation beats the unqualified one of its key, whatever the attr order", () => {
    const all = parseAnnotations("image", { "annotation-manifest[linux/amd64].k": "amd", "annotation-manifest.k": "all", "annotation.other": "o" });
    expect(annotationsFor(all, "manifest", "linux/amd64")).toEqual({ k: "amd", other: "o" });
    expect(annotationsFor(all, "manifest", "linux/arm64")).toEqual({ k: "all", other: "o" });
  });

  it("index annotations are taken whatever platform they name", () => {
    const all = parseAnnotations("oci", { "annotation-index[linux/arm64].a": "1", "annotation-index.b": "2" });
    expect(annotationsFor(all, "index")).toEqual({ a: "1", b: "2" });
  });

  it("refuses two spellings of one annotation with different values (BuildKit keeps one by chance)", () => {
    expect(() => parseAnnotations("image", { "annotation.k": "a", "annotation-manifest.k": "b" })).toThrow(/"annotation-manifest\.k".*"annotation\.k" sets the same annotation to "a"/);
    expect(() => parseAnnotations("image", { "annotation-manifest[linux/arm64/v8].k": "a", "annotation-manifest[linux/arm64].k": "b" })).toThrow(/one value per annotation/);
    // The same value twice is one annotation, whichever spelling BuildKit reads last.
    expect(annotationsFor(parseAnnotations("image", { "annotation.k": "a", "annotation-manifest.k": "a" }), "manifest", "linux/amd64")).toEqual({ k: "a" });
  });
});

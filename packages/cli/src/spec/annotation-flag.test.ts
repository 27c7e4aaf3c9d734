import { describe, expect, it } from "vitest";
import { hostPlatform } from "@exp/oci-spec";
import { addAnnotations, parseAnnotationFlags } from "./annotation-flag.js";
import type { Spec } from "./output.js";

describe("parseAnnotationFlags (buildx's ParseAnnotations, BuildKit's attr keys)", () => {
  it("spells each type's attr as AnnotationKey.String does", () => {
    const attrs = parseAnnotationFlags([
      "org.opencontainers.image.source=https://example.invalid/a,b",
      "manifest:m=1",
      "manifest[linux/arm64/v8]:p=2",
      "manifest-descriptor[arm64]:q=3",
      "index[linux/amd64]:i=4",
      "index-descriptor,manifest:d=5",
      "manifest:url=a:b",
    ]);
    expect(Object.fromEntries(attrs)).toEqual({
      "annotation.org.opencontainers.image.source": "https://example.invalid/a,b",
      "annotation-manifest.m": "1",
      "annotation-manifest[linux/arm64/v8].p": "2",
      // An architecture alone is on this host's OS, as containerd's Parse reads it.
      [`annotation-manifest-descriptor[${hostPlatform().os}/arm64].q`]: "3",
      // An index is for every platform: String() leaves the platform out.
      "annotation-index.i": "4",
      "annotation-index-descriptor.d": "5",
      "annotation-manifest.d": "5",
      "annotation-manifest.url": "a:b",
    });
  });

  it("a repeated annotation keeps the last value", () => {
    expect(parseAnnotationFlags(["k=1", "k=2"]).get("annotation.k")).toBe("2");
  });
});

describe("addAnnotations", () => {
  it("adds to image outputs only, over an attr of the same key", () => {
    const outputs: Spec[] = [
      { type: "oci", attrs: { dest: "a.tar", "annotation.k": "o", "annotation.keep": "x" } },
      { type: "local", attrs: { dest: "dir" } },
      { type: "registry", attrs: {} },
    ];
    expect(addAnnotations(outputs, parseAnnotationFlags(["k=flag"]))).toBe(2);
    expect(outputs.map((o) => o.attrs)).toEqual([{ dest: "a.tar", "annotation.k": "flag", "annotation.keep": "x" }, { dest: "dir" }, { "annotation.k": "flag" }]);
  });
});

import { parseReference } from "../index.js";
import { describe, expect, it } from "vitest";
import { imagePurl } from "./image-purl.js";

// The cases of BuildKit's util/purl/image_test.go (TestRefToPURL), plus a registry with a port and
// an arm variant, whose escaping follows packageurl-go's ToString.
const dgst = "sha256:2bd3a7f5b7a1a7e3b5d2b5f9b4c2f1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4";

describe("imagePurl", () => {
  const cases: Array<[string, string | undefined, string]> = [
    ["alpine", undefined, "pkg:docker/alpine@latest"],
    ["library/alpine:3.15", undefined, "pkg:docker/alpine@3.15"],
    ["docker.io/library/alpine:latest", undefined, "pkg:docker/alpine@latest"],
    [`docker.io/library/alpine:latest@${dgst}`, undefined, `pkg:docker/alpine@latest?digest=${dgst}`],
    ["user/test:v2", undefined, "pkg:docker/user/test@v2"],
    ["ghcr.io/foo/bar", undefined, "pkg:docker/ghcr.io/foo/bar@latest"],
    [`busybox@${dgst}`, "linux/amd64", `pkg:docker/busybox?digest=${dgst}&platform=linux%2Famd64`],
    ["user/app:1.0", "linux/amd64", "pkg:docker/user/app@1.0?platform=linux%2Famd64"],
    ["ghcr.io/org/app:v2", "linux/arm64/v8", "pkg:docker/ghcr.io/org/app@v2?platform=linux%2Farm64"],
    ["docker.io/library/busybox@sha256:2bd3a7f5b7a1a7e3b5d2b5f9b4c2f1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4", undefined, "pkg:docker/busybox?digest=sha256:2bd3a7f5b7a1a7e3b5d2b5f9b4c2f1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4"],
    ["localhost:5000/a/b:t", "linux/arm/v7", "pkg:docker/localhost%3A5000/a/b@t?platform=linux%2Farm%2Fv7"],
  ];
  it.each(cases)("%s on %s", (name, platform, expected) => {
    const [os, architecture, variant] = (platform ?? "").split("/");
    expect(imagePurl(parseReference(name), platform ? { os: os!, architecture: architecture!, ...(variant ? { variant } : {}) } : undefined)).toBe(expected);
  });
});

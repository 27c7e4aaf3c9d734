import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { asDigest } from "@exp/oci-spec";
import type { ProvenanceInput } from "./input.js";

/** A fixture file of this package, parsed. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./__fixtures__/${path}`, import.meta.url)), "utf8"));
}

const hex = (c: string): string => c.repeat(64);

export const sampleDockerfile = `# syntax=docker/dockerfile:1
FROM golang:1.22-alpine AS build
WORKDIR /src
COPY . .
FROM alpine:3.20
ADD https://example.com/tool.tar.gz /opt/
COPY --from=build /src/app /usr/local/bin/app
`;

/**
 * A two-stage build of a local context, as exp's front end would describe it: two base images, an
 * ADD of a URL, build args, a label, a target, VCS hints, and every step with its source range and
 * layers.
 */
export function sampleInput(overrides: Partial<ProvenanceInput> = {}): ProvenanceInput {
  const layer = (c: string, size: number) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: asDigest(`sha256:${hex(c)}`), size });
  return {
    builderId: "https://github.com/octo/app/actions/runs/42/attempts/1",
    invocationId: "yirbp1aosi1vqjmi3z6bc75nb",
    startedOn: "2024-05-01T12:00:00.466513707Z",
    finishedOn: new Date("2024-05-01T12:00:02.250Z"),
    builderPlatform: { os: "linux", architecture: "amd64" },
    request: {
      buildArgs: { GO_VERSION: "1.22" },
      labels: { "org.opencontainers.image.title": "app" },
      target: "release",
      platforms: ["linux/amd64"],
      vcs: { source: "https://github.com/octo/app.git", revision: "4b220de5058abfd01ff619c9d2ff6b09a049bea0" },
    },
    dockerfile: { filename: "Dockerfile", content: sampleDockerfile },
    materials: {
      images: [
        { ref: "golang:1.22-alpine", digest: `sha256:${hex("a")}`, platform: { os: "linux", architecture: "amd64" } },
        { ref: "alpine:3.20", digest: `sha256:${hex("b")}`, platform: { os: "linux", architecture: "amd64" } },
      ],
      http: [{ url: "https://example.com/tool.tar.gz", digest: `sha256:${hex("c")}` }],
    },
    steps: {
      result: "copy-app",
      steps: [
        { id: "golang", kind: "image", name: "[build 1/3] FROM docker.io/library/golang:1.22-alpine", cacheKey: `sha256:${hex("1")}`, locations: [{ start: { line: 2 }, end: { line: 2 } }], layers: [layer("d", 100)] },
        { id: "workdir", kind: "mkdir", name: "[build 2/3] WORKDIR /src", cacheKey: `sha256:${hex("2")}`, inputs: ["golang"], locations: [{ start: { line: 3 }, end: { line: 3 } }], layers: [layer("d", 100), layer("e", 10)] },
        { id: "context", kind: "local", name: "[internal] load build context", cacheKey: `sha256:${hex("3")}` },
        { id: "copy-src", kind: "copy", name: "[build 3/3] COPY . .", cacheKey: `sha256:${hex("4")}`, inputs: ["workdir", "context"], locations: [{ start: { line: 4 }, end: { line: 4 } }], layers: [layer("d", 100), layer("e", 10), layer("f", 20)] },
        { id: "alpine", kind: "image", name: "[stage-1 1/3] FROM docker.io/library/alpine:3.20", cacheKey: `sha256:${hex("5")}`, locations: [{ start: { line: 5 }, end: { line: 5 } }], layers: [layer("7", 30)] },
        { id: "download", kind: "http", name: "https://example.com/tool.tar.gz", cacheKey: `sha256:${hex("6")}` },
        { id: "add-tool", kind: "copy", name: "[stage-1 2/3] ADD https://example.com/tool.tar.gz /opt/", cacheKey: `sha256:${hex("7")}`, inputs: ["alpine", "download"], locations: [{ start: { line: 6 }, end: { line: 6 } }], layers: [layer("7", 30), layer("8", 40)] },
        { id: "copy-app", kind: "copy", name: "[stage-1 3/3] COPY --from=build /src/app /usr/local/bin/app", cacheKey: `sha256:${hex("8")}`, inputs: ["add-tool", "copy-src"], locations: [{ start: { line: 7 }, end: { line: 7 } }], layers: [layer("7", 30), layer("8", 40), layer("9", 50)] },
        { id: "unused", kind: "image", name: "an image no step of the result reads", cacheKey: `sha256:${hex("9")}` },
      ],
    },
    ...overrides,
  };
}

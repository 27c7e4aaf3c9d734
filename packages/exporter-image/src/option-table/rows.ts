import { expect } from "vitest";
import { rootDescriptor, type AttrCase, type OciArtifact } from "@exp/testing";
import { ERROR, IMAGE_NAME, REGISTRY, ROOTS } from "./image-artifact.js";

type Row = AttrCase<OciArtifact>;
const text = (a: OciArtifact, file: string) => a.files.get(file)!.toString("utf8");
const roots = (a: OciArtifact) => text(a, ROOTS).split("\n").filter(Boolean);
const digestOf = (a: OciArtifact) => rootDescriptor(a).digest;
const NAME = "example.invalid/walk:v1";
const PREFIX = "example.invalid/dangling";

/**
 * type=image's own keys (exporter/containerimage/export.go); `walk-registry.invalid` in a value is the
 * "push" variant's fresh registry. The image itself must not change with any of them.
 */
export const imageRows: readonly Row[] = [
  {
    key: "name",
    with: { name: NAME },
    expect: "the image stored under image/<name>, reported as image.name",
    differs: (without, withIt) => {
      expect(roots(without)).toEqual([]);
      expect(roots(withIt)).toEqual([`image/${NAME} ${digestOf(withIt)}`]);
      expect(text(withIt, IMAGE_NAME)).toBe(NAME);
      expect(digestOf(withIt)).toBe(digestOf(without));
    },
  },
  {
    key: "store",
    base: { name: NAME },
    with: { store: "false" },
    expect: "nothing kept under image/ in the store; the same image reported",
    differs: (without, withIt) => {
      expect(roots(without)).toHaveLength(1);
      expect(roots(withIt)).toEqual([]);
      expect(digestOf(withIt)).toBe(digestOf(without));
    },
  },
  {
    key: "push",
    base: { name: "walk-registry.invalid/walk/app:v1" },
    with: { push: "true" },
    variant: "push",
    expect: "the tag v1 in the registry, pointing at the image",
    differs: (without, withIt) => {
      expect(text(without, REGISTRY)).toBe("");
      expect(text(withIt, REGISTRY)).toBe("walk/app tags=v1 root-by-digest=true");
    },
  },
  {
    key: "push-by-digest",
    base: { name: "walk-registry.invalid/walk/app", push: "true" },
    with: { "push-by-digest": "true" },
    variant: "push",
    expect: "the image in the registry by digest only, no tag",
    differs: (without, withIt) => {
      expect(text(without, REGISTRY)).toBe("walk/app tags=latest root-by-digest=true");
      expect(text(withIt, REGISTRY)).toBe("walk/app tags= root-by-digest=true");
    },
  },
  {
    key: "registry.insecure",
    base: { name: "walk-registry.invalid/walk/app:v1", push: "true" },
    with: { "registry.insecure": "true" },
    variant: "push-tls",
    // util/push/push.go marks the host insecure and plain-HTTP; util/resolver/resolver.go's
    // httpFallback then tries HTTPS without verifying the certificate first.
    expect: "the image pushed to a registry whose certificate is not trusted, instead of the push failing",
    differs: (without, withIt) => {
      expect(text(without, ERROR)).not.toBe("");
      expect(text(without, REGISTRY)).toBe("");
      expect(withIt.files.has(ERROR)).toBe(false);
      expect(text(withIt, REGISTRY)).toBe("walk/app tags=v1 root-by-digest=true");
    },
  },
  {
    key: "name-canonical",
    base: { name: NAME },
    with: { "name-canonical": "true" },
    expect: "also stored as <name>@<digest>, tag kept",
    differs: (without, withIt) => {
      const digest = digestOf(withIt);
      expect(roots(withIt)).toEqual([...roots(without), `image/${NAME}@${digest} ${digest}`].sort());
    },
  },
  {
    key: "dangling-name-prefix",
    with: { "dangling-name-prefix": PREFIX },
    expect: "an image without a name stored and reported as <prefix>@<digest>",
    differs: (without, withIt) => {
      const digest = digestOf(withIt);
      expect(roots(without)).toEqual([]);
      expect(roots(withIt)).toEqual([`image/${PREFIX}@${digest} ${digest}`]);
      expect(text(withIt, IMAGE_NAME)).toBe(`${PREFIX}@${digest}`);
    },
  },
  {
    key: "dangling-name-empty-only",
    base: { name: NAME, "dangling-name-prefix": PREFIX },
    with: { "dangling-name-empty-only": "true" },
    expect: "no dangling name beside a given name",
    differs: (without, withIt) => {
      expect(roots(without)).toHaveLength(2);
      expect(roots(withIt)).toEqual([`image/${NAME} ${digestOf(withIt)}`]);
      expect(text(withIt, IMAGE_NAME)).toBe(NAME);
    },
  },
];

import { InvalidOptionError } from "@exp/errors";
import type { Digest } from "../digest.js";
import { imageIdPattern, looksLikeRegistry, maxNameLength, pathComponentPattern, registryPattern } from "./grammar.js";
import { checkDigest, checkTag, createReference, type ImageReference } from "./image-reference.js";
import { InvalidReferenceError } from "./invalid-reference-error.js";
import { DOCKER_HUB, normalizeRegistry } from "./registry-host.js";

export interface ParseReferenceOptions {
  /** Registry for names without one. Default "docker.io", where "library/" is also implied. */
  defaultRegistry?: string;
}

/**
 * Parses and normalizes an image reference the way docker's ParseNormalizedNamed does:
 * "alpine" → docker.io/library/alpine:latest. Throws InvalidReferenceError naming the broken rule.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const defaultRegistry = checkDefaultRegistry(options.defaultRegistry);
  const fail = (reason: string): never => {
    throw new InvalidReferenceError(input, reason);
  };
  if (typeof input !== "string") fail(`expected a string, got ${typeof input}`);
  if (input === "") fail("the reference is empty");
  if (/\s/.test(input)) fail("it contains whitespace");
  if (imageIdPattern.test(input)) {
    fail("a 64-character hex string is an image ID, not a repository name; to name content by digest write <name>@sha256:<hex>");
  }

  // Split from the right: "@digest" first (no other part may contain "@"), then ":tag" — only a
  // colon after the last "/" starts a tag, since "host:5000/x" has a colon in its registry part.
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = checkDigest(rest.slice(at + 1), input);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    checkTag(tag, input);
    rest = rest.slice(0, colon);
  }
  if (rest === "") fail("the repository name is empty");

  let registry = defaultRegistry;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    path = rest.slice(slash + 1);
    if (!registryPattern.test(registry)) {
      fail(`invalid registry host ${JSON.stringify(registry)}: expected a host name, IPv4 address or [IPv6] address, with an optional :port`);
    }
    registry = normalizeRegistry(registry);
  }
  if (path.toLowerCase() !== path) fail("repository name must be lowercase");
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;

  for (const component of path.split("/")) {
    if (component === "") fail(`the repository path ${JSON.stringify(path)} has an empty component`);
    if (!pathComponentPattern.test(component)) {
      fail(
        `invalid repository path component ${JSON.stringify(component)}: components hold lowercase letters and digits, ` +
          `joined by ".", "_", "__" or dashes, and start and end with a letter or digit`,
      );
    }
  }
  const name = `${registry}/${path}`;
  if (name.length > maxNameLength) fail(`the name ${name} is ${name.length} characters long; the limit is ${maxNameLength}`);

  // "latest" is implied only when nothing else pins the content: name@digest has no tag.
  if (tag === undefined && digest === undefined) tag = "latest";
  return createReference(registry, path, tag, digest);
}

function checkDefaultRegistry(value: string | undefined): string {
  if (value === undefined) return DOCKER_HUB;
  if (typeof value !== "string" || !registryPattern.test(value)) {
    throw new InvalidOptionError("parseReference", "defaultRegistry", String(value), "a registry host such as docker.io, ghcr.io or localhost:5000");
  }
  return normalizeRegistry(value);
}

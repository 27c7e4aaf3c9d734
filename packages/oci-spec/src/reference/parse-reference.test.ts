import { describe, expect, it } from "vitest";
import { InvalidOptionError, isExpError } from "@exp/errors";
import { InvalidReferenceError, parseReference, registryApiHost } from "./index.js";

const d = `sha256:${"a".repeat(64)}`;
const d2 = `sha256:${"b".repeat(64)}`;

interface Valid {
  input: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  full: string;
  familiar: string;
}

// Behaviour copied from docker's normalize and reference tests, case by case.
const valid: Valid[] = [
  { input: "alpine", registry: "docker.io", repository: "library/alpine", tag: "latest", full: "docker.io/library/alpine:latest", familiar: "alpine:latest" },
  { input: "ubuntu:22.04", registry: "docker.io", repository: "library/ubuntu", tag: "22.04", full: "docker.io/library/ubuntu:22.04", familiar: "ubuntu:22.04" },
  { input: "docker.io/library/alpine", registry: "docker.io", repository: "library/alpine", tag: "latest", full: "docker.io/library/alpine:latest", familiar: "alpine:latest" },
  { input: "docker.io/alpine", registry: "docker.io", repository: "library/alpine", tag: "latest", full: "docker.io/library/alpine:latest", familiar: "alpine:latest" },
  { input: "index.docker.io/alpine", registry: "docker.io", repository: "library/alpine", tag: "latest", full: "docker.io/library/alpine:latest", familiar: "alpine:latest" },
  { input: "registry-1.docker.io/user/app:2", registry: "docker.io", repository: "user/app", tag: "2", full: "docker.io/user/app:2", familiar: "user/app:2" },
  { input: "INDEX.DOCKER.IO/alpine", registry: "docker.io", repository: "library/alpine", tag: "latest", full: "docker.io/library/alpine:latest", familiar: "alpine:latest" },
  { input: "user/app", registry: "docker.io", repository: "user/app", tag: "latest", full: "docker.io/user/app:latest", familiar: "user/app:latest" },
  { input: "library/a/b", registry: "docker.io", repository: "library/a/b", tag: "latest", full: "docker.io/library/a/b:latest", familiar: "library/a/b:latest" },
  { input: "localhost/foo", registry: "localhost", repository: "foo", tag: "latest", full: "localhost/foo:latest", familiar: "localhost/foo:latest" },
  { input: "localhost:5000/foo/bar:1", registry: "localhost:5000", repository: "foo/bar", tag: "1", full: "localhost:5000/foo/bar:1", familiar: "localhost:5000/foo/bar:1" },
  // Without a slash, "localhost:5000" is the name "localhost" with tag "5000", as in docker.
  { input: "localhost:5000", registry: "docker.io", repository: "library/localhost", tag: "5000", full: "docker.io/library/localhost:5000", familiar: "localhost:5000" },
  { input: `127.0.0.1:5000/a@${d}`, registry: "127.0.0.1:5000", repository: "a", digest: d, full: `127.0.0.1:5000/a@${d}`, familiar: `127.0.0.1:5000/a@${d}` },
  { input: `alpine@${d}`, registry: "docker.io", repository: "library/alpine", digest: d, full: `docker.io/library/alpine@${d}`, familiar: `alpine@${d}` },
  { input: `a/b:tag@${d}`, registry: "docker.io", repository: "a/b", tag: "tag", digest: d, full: `docker.io/a/b:tag@${d}`, familiar: `a/b:tag@${d}` },
  { input: "[::1]:5000/x", registry: "[::1]:5000", repository: "x", tag: "latest", full: "[::1]:5000/x:latest", familiar: "[::1]:5000/x:latest" },
  { input: "[2001:db8::1]/x/y:v", registry: "[2001:db8::1]", repository: "x/y", tag: "v", full: "[2001:db8::1]/x/y:v", familiar: "[2001:db8::1]/x/y:v" },
  { input: "ghcr.io/owner/app:v1.2.3-rc.1", registry: "ghcr.io", repository: "owner/app", tag: "v1.2.3-rc.1", full: "ghcr.io/owner/app:v1.2.3-rc.1", familiar: "ghcr.io/owner/app:v1.2.3-rc.1" },
  // A capital letter is fine in the registry host and in the tag, just not in the path.
  { input: "Example.COM/app:Tag_1", registry: "Example.COM", repository: "app", tag: "Tag_1", full: "Example.COM/app:Tag_1", familiar: "Example.COM/app:Tag_1" },
  { input: "a.b.c/x__y/z-----w/a.b_c", registry: "a.b.c", repository: "x__y/z-----w/a.b_c", tag: "latest", full: "a.b.c/x__y/z-----w/a.b_c:latest", familiar: "a.b.c/x__y/z-----w/a.b_c:latest" },
  { input: "gcr.io/project/a/b/c/d", registry: "gcr.io", repository: "project/a/b/c/d", tag: "latest", full: "gcr.io/project/a/b/c/d:latest", familiar: "gcr.io/project/a/b/c/d:latest" },
];

describe("parseReference: valid references", () => {
  it.each(valid)("$input", (c) => {
    const ref = parseReference(c.input);
    expect(ref.registry).toBe(c.registry);
    expect(ref.repository).toBe(c.repository);
    expect(ref.tag).toBe(c.tag);
    expect(ref.digest).toBe(c.digest);
    expect(ref.toString()).toBe(c.full);
    expect(`${ref}`).toBe(c.full);
    expect(JSON.stringify({ ref })).toBe(JSON.stringify({ ref: c.full }));
    expect(ref.familiar()).toBe(c.familiar);
    expect(ref.name).toBe(`${c.registry}/${c.repository}`);
    // Parsing the normalized form again is a fixed point.
    expect(parseReference(ref.toString()).toString()).toBe(c.full);
    expect(parseReference(ref.familiar()).toString()).toBe(c.full);
  });
});

const invalid: Array<[input: string, reason: RegExp]> = [
  ["", /empty/],
  ["Foo/bar", /repository name must be lowercase/],
  ["docker.io/Alpine", /repository name must be lowercase/],
  ["UPPER", /repository name must be lowercase/],
  ["foo:", /invalid tag ""/],
  ["foo:-bad", /invalid tag "-bad"/],
  ["foo:.bad", /invalid tag/],
  [`foo:${"t".repeat(129)}`, /invalid tag/],
  ["foo:a+b", /invalid tag/],
  ["foo@sha256:abc", /invalid digest/],
  [`foo@md5:${"a".repeat(32)}`, /invalid digest/],
  [`foo@${d}@${d2}`, /invalid digest/],
  ["foo@", /invalid digest/],
  ["a/b/", /empty component/],
  ["/a", /empty|invalid/],
  ["a//b", /empty component/],
  ["localhost:5000/", /empty/],
  ["-foo", /invalid repository path component "-foo"/],
  ["foo-", /invalid repository path component/],
  ["foo..bar", /invalid repository path component/],
  ["foo___bar", /invalid repository path component/],
  ["a/b!c", /invalid repository path component "b!c"/],
  ["foo_bar.com:8080/x", /invalid registry host "foo_bar.com:8080"/],
  ["-host.com/x", /invalid registry host/],
  ["host.com:port/x", /invalid registry host/],
  ["[::1/x", /invalid registry host/],
  ["has space", /whitespace/],
  [" alpine", /whitespace/],
  ["a".repeat(64).replace(/a/g, "e"), /image ID/],
  [`example.com/${"a".repeat(250)}`, /limit is 255/],
  ["@" + d, /repository name is empty/],
  [":tag", /repository name is empty/],
];

describe("parseReference: invalid references", () => {
  it.each(invalid)("%j", (input, reason) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const error = caught as InvalidReferenceError;
    expect(isExpError(error, "ERR_INVALID_REFERENCE")).toBe(true);
    expect(error.fault).toBe("client");
    expect(error.input).toBe(input);
    expect(error.message).toContain(JSON.stringify(input));
    expect(error.reason).toMatch(reason);
  });

  it("accepts a name of exactly 255 characters", () => {
    const repo = "a".repeat(255 - "example.com/".length);
    expect(parseReference(`example.com/${repo}`).name).toHaveLength(255);
  });
});

describe("parseReference options", () => {
  it("uses defaultRegistry for bare names, without the library/ prefix", () => {
    const ref = parseReference("alpine", { defaultRegistry: "localhost:5000" });
    expect(ref.toString()).toBe("localhost:5000/alpine:latest");
    expect(ref.familiar()).toBe("localhost:5000/alpine:latest");
  });

  it("normalizes a Docker Hub alias given as defaultRegistry", () => {
    expect(parseReference("alpine", { defaultRegistry: "index.docker.io" }).toString()).toBe("docker.io/library/alpine:latest");
  });

  it("rejects an invalid defaultRegistry with InvalidOptionError", () => {
    expect(() => parseReference("alpine", { defaultRegistry: "not a host" })).toThrow(InvalidOptionError);
  });
});

describe("ImageReference.withTag / withDigest", () => {
  it("replaces the tag and keeps the digest", () => {
    const ref = parseReference(`alpine@${d}`).withTag("3.20");
    expect(ref.toString()).toBe(`docker.io/library/alpine:3.20@${d}`);
  });

  it("replaces the digest and keeps the tag", () => {
    const ref = parseReference(`ghcr.io/o/a:1@${d}`).withDigest(d2);
    expect(ref.toString()).toBe(`ghcr.io/o/a:1@${d2}`);
  });

  it("does not change the original", () => {
    const ref = parseReference("alpine");
    ref.withTag("x");
    expect(ref.tag).toBe("latest");
    expect(Object.isFrozen(ref)).toBe(true);
  });

  it("validates tag and digest", () => {
    const ref = parseReference("alpine");
    expect(() => ref.withTag("bad tag")).toThrow(/invalid tag "bad tag"/);
    expect(() => ref.withDigest("sha256:nope")).toThrow(InvalidReferenceError);
  });
});

describe("registryApiHost", () => {
  it.each([
    ["docker.io", "registry-1.docker.io"],
    ["index.docker.io", "registry-1.docker.io"],
    ["registry-1.docker.io", "registry-1.docker.io"],
    ["ghcr.io", "ghcr.io"],
    ["localhost:5000", "localhost:5000"],
    ["[::1]:5000", "[::1]:5000"],
  ])("%s → %s", (registry, host) => {
    expect(registryApiHost(registry)).toBe(host);
  });
});

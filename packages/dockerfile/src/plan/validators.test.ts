import { describe, expect, it } from "vitest";
import { chmodProblem } from "./chmod.js";
import { resolveDestination, resolveWorkdir } from "./paths.js";
import { parsePortSpec, PortSpecError } from "./ports.js";
import { remoteSourceKind } from "./remote-source.js";
import { isValidSignal } from "./signals.js";

describe("parsePortSpec", () => {
  it.each([
    ["80", ["80/tcp"]],
    ["53/UDP", ["53/udp"]],
    ["9000-9002/sctp", ["9000/sctp", "9001/sctp", "9002/sctp"]],
    ["8080:80", ["80/tcp"]],
    ["127.0.0.1:8080:80/udp", ["80/udp"]],
    ["[::1]:8080:80", ["80/tcp"]],
  ])("%s → %j", (spec, ports) => {
    expect(parsePortSpec(spec)).toEqual(ports);
  });

  it.each(["", "/tcp", "80/http", "http", "70000", "90-80", "1-2-3", "300.0.0.1:1:80", "8000-8002:80-81"])("rejects %j", (spec) => {
    expect(() => parsePortSpec(spec)).toThrow(PortSpecError);
  });
});

describe("chmodProblem", () => {
  it.each(["0755", "755", "644", "7777", "0", "u+x", "+x", "u=rwx,go=rx", "a-w", "g=u"])("accepts %s", (mode) => {
    expect(chmodProblem(mode)).toBeUndefined();
  });

  it.each(["0999", "17777", "rwx", "u+q", "7a5", ""])("rejects %j", (mode) => {
    expect(chmodProblem(mode)).toBeTypeOf("string");
  });
});

describe("remoteSourceKind", () => {
  it.each([
    ["https://example.com/app.tar.gz", "url"],
    ["HTTP://example.com/x", "url"],
    ["ftp://example.com/x", "url"],
    ["https://github.com/moby/buildkit.git", "git"],
    ["https://github.com/moby/buildkit.git#v0.13.0", "git"],
    ["git@github.com:moby/buildkit.git", "git"],
    ["git://example.com/repo", "git"],
    ["ssh://git@example.com/repo", "git"],
    ["app.tar.gz", undefined],
    ["./http://x", undefined],
    ["github.com/moby/buildkit", undefined],
  ])("%s → %s", (source, kind) => {
    expect(remoteSourceKind(source)).toBe(kind);
  });
});

describe("paths", () => {
  it.each([
    ["/", "app", "/app"],
    ["/a/b", "../c", "/a/c"],
    ["/a", "/x//y/./z/", "/x/y/z"],
    ["/a", "../../..", "/"],
  ])("resolveWorkdir(%s, %s) = %s", (current, requested, path) => {
    expect(resolveWorkdir(current, requested)).toBe(path);
  });

  it.each([
    ["/app", ".", "/app/"],
    ["/app", "", "/app/"],
    ["/app", "x/.", "/app/x/"],
    ["/", ".", "/"],
    ["/", "/", "/"],
    ["/app", "file", "/app/file"],
  ])("resolveDestination(%s, %j) = %s", (workdir, dest, resolved) => {
    expect(resolveDestination(workdir, dest)).toBe(resolved);
  });
});

describe("isValidSignal", () => {
  it.each(["SIGTERM", "TERM", "sigquit", "9", "SIGRTMIN+3", "RTMAX-1"])("accepts %s", (s) => {
    expect(isValidSignal(s)).toBe(true);
  });

  it.each(["0", "SIGNOPE", "", "RTMIN+16"])("rejects %j", (s) => {
    expect(isValidSignal(s)).toBe(false);
  });
});

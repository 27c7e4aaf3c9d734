import { describe, expect, it } from "vitest";
import { UnsafePathError } from "../errors.js";
import { parseEntryName } from "./entry-name.js";

describe("parseEntryName", () => {
  it.each([
    ["etc/passwd", { kind: "path", parts: ["etc", "passwd"] }],
    ["./etc//passwd", { kind: "path", parts: ["etc", "passwd"] }],
    ["usr/bin/", { kind: "path", parts: ["usr", "bin"] }],
    ["./", { kind: "root" }],
    [".", { kind: "root" }],
    ["etc/.wh.passwd", { kind: "whiteout", dir: ["etc"], name: "passwd" }],
    [".wh.etc", { kind: "whiteout", dir: [], name: "etc" }],
    ["var/.wh..wh..opq", { kind: "opaque", dir: ["var"] }],
    [".wh..wh..opq", { kind: "opaque", dir: [] }],
    [".wh..wh.plnk/123.4", { kind: "ignored" }],
    [".wh..wh.aufs", { kind: "ignored" }],
    ["a/b..c", { kind: "path", parts: ["a", "b..c"] }],
  ])("%s", (name, expected) => {
    expect(parseEntryName(name)).toEqual(expected);
  });

  it.each(["/etc/passwd", "../x", "a/../../x", "a/..", "a/.wh..", "a/.wh..."])("refuses %s", (name) => {
    expect(() => parseEntryName(name)).toThrow(UnsafePathError);
  });
});

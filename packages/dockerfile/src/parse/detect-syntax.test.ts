import { describe, expect, it } from "vitest";
import { detectSyntax } from "./detect-syntax.js";
import { parseDockerfile } from "./parse-dockerfile.js";

// BuildKit's parser.DetectSyntax (frontend/dockerfile/parser/directives.go) decides which
// frontend runs a file; these cases mirror its rules.
describe("detectSyntax", () => {
  it.each([
    ["# syntax=docker/dockerfile:1\nFROM scratch\n", "docker/dockerfile:1", 1],
    ["#syntax = example.com/frontend:2 --flag\nFROM scratch\n", "example.com/frontend:2", 1],
    ["# escape=`\n# SYNTAX=example.com/x\nFROM scratch\n", "example.com/x", 2],
    ["\uFEFF# syntax=example.com/bom\nFROM scratch\n", "example.com/bom", 1],
    ["#!/usr/bin/env exp\n# syntax=example.com/shebang\nFROM scratch\n", "example.com/shebang", 2],
    ["// syntax=example.com/c-style\nsomething else\n", "example.com/c-style", 1],
    ['{"syntax": "example.com/json", "x": 1}', "example.com/json", 1],
  ])("finds the frontend in %j", (text, ref, line) => {
    expect(detectSyntax(text)).toMatchObject({ ref, location: { line, column: 1 } });
  });

  it("keeps the whole value, the image being its first word", () => {
    expect(detectSyntax("# syntax=example.com/f:1 --opt=a\n")).toEqual({ value: "example.com/f:1 --opt=a", ref: "example.com/f:1", location: { line: 1, column: 1 } });
  });

  it.each([
    ["FROM scratch\n# syntax=example.com/late\n"],
    ["# a comment\n# syntax=example.com/after-comment\n"],
    ["\n# syntax=example.com/after-blank\n"],
    ['{"syntax": 3}'],
  ])("finds none where BuildKit finds none: %j", (text) => {
    expect(detectSyntax(text)).toBeUndefined();
  });

  it("is on the AST as parseDockerfile's syntax", () => {
    expect(parseDockerfile("# syntax=docker/dockerfile:1.7\nFROM scratch\n").syntax).toMatchObject({ ref: "docker/dockerfile:1.7" });
    expect(parseDockerfile("FROM scratch\n").syntax).toBeUndefined();
  });
});

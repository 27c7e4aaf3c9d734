import { describe, expect, it } from "vitest";
import { createIgnoreMatcher } from "./ignore-matcher.js";

const matches = (patterns: string[], path: string) => createIgnoreMatcher(patterns).ignores(path, false);

describe("createIgnoreMatcher: single patterns (moby/patternmatcher table)", () => {
  // [pattern, path, ignored]; "ignored" counts a match on a parent directory too.
  it.each<[string, string, boolean]>([
    ["**", "file", true],
    ["**/", "file", true],
    ["**", "dir/file", true],
    ["**/**", "dir/file", true],
    ["dir/**", "dir/file", true],
    ["dir/**", "dir/dir2/file", true],
    ["**/dir", "dir", true],
    ["**/dir", "dir/file", true],
    ["**/dir2/*", "dir/dir2/file", true],
    ["**/dir2/**", "dir/dir2/dir3/file", true],
    ["**file", "file", true],
    ["**file", "dir/file", true],
    ["**/file", "dir/dir/file", true],
    ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true],
    ["**/**/*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt2", "dir/dir/file.txt", false],
    ["**/*.txt", "file.txt", true],
    ["**/**/*.txt", "file.txt", true],
    ["a**/*.txt", "a/file.txt", true],
    ["a**/*.txt", "a/dir/dir/file.txt", true],
    ["a/*.txt", "a/dir/file.txt", false],
    ["a/*.txt", "a/file.txt", true],
    ["a/*.txt**", "a/file.txt", true],
    ["a[b-d]e", "ae", false],
    ["a[b-d]e", "ace", true],
    ["a[b-d]e", "aae", false],
    ["a[^b-d]e", "aze", true],
    [".*", ".foo", true],
    [".*", "foo", false],
    ["abc.def", "abcdef", false],
    ["abc.def", "abc.def", true],
    ["abc?def", "abcZdef", true],
    ["abc?def", "abcdef", false],
    ["**/foo/bar", "foo/bar", true],
    ["**/foo/bar", "dir/dir2/foo/bar", true],
    ["abc/**", "abc", false],
    ["abc/**", "abc/def/ghi", true],
    ["**/.foo", ".foo", true],
    ["**/.foo", "bar.foo", false],
    ["a(b)c/def", "a(b)c/def", true],
    ["a(b)c/def", "a(b)c/xyz", false],
    ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
    ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    ["a\\\\", "a\\", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    // Go filepath.Match cases, with parent matching ("a*" matches the parent "ab" of "ab/c").
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "ab/c", true],
    ["a*/b", "abc/b", true],
    ["a*/b", "a/c/b", false],
    ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["a*b?c*x", "abxbbxdbxebxczzy", false],
    ["ab[^c]", "abc", false],
    ["ab[^e-g]", "abc", true],
    ["a?b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["[a-ζ]*", "α", true],
    ["*[a-ζ]", "A", false],
    ["a?b", "a/b", false],
    ["a*b", "a/b", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["[\\-x]", "x", true],
    ["*x", "xxx", true],
    // The fast path for a leading "**" without "/" is a plain suffix test: Docker's quirk, kept.
    ["**foo", "barfoo", true],
  ])("%s vs %s -> %s", (pattern, path, expected) => {
    expect(matches([pattern], path)).toBe(expected);
  });
});

describe("createIgnoreMatcher: several patterns", () => {
  it.each<[string[], string, boolean]>([
    [["**", "!util/docker/web"], "util/docker/web/foo", false],
    [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
    [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
    [["!fileutils.go", "*.go"], "fileutils.go", true],
    [["*.go", "!fileutils.go"], "fileutils.go", false],
    [["docs", "!docs/README.md"], "docs/README.md", false],
    [["docs/", "!docs/README.md"], "docs/README.md", false],
    [["docs/*", "!docs/README.md"], "docs/README.md", false],
    [["docs", "!docs/README.md"], "docs/other.md", true],
    // A directory pattern excludes everything below it, however deep.
    [["node_modules"], "node_modules/a/b/c.js", true],
    [["*/temp*"], "somedir/temporary.txt", true],
    [["*/*/temp*"], "somedir/subdir/temporary.txt", true],
    [["temp?"], "temp1", true],
  ])("%j vs %s -> %s", (patterns, path, expected) => {
    expect(matches(patterns, path)).toBe(expected);
  });

  it("cleans patterns: ./a, /a (via the parser), a/../b, trailing slash, surrounding spaces", () => {
    expect(matches(["./a"], "a/x")).toBe(true);
    expect(matches(["a/../b"], "b")).toBe(true);
    expect(matches(["a/../b"], "a")).toBe(false);
    expect(matches(["  build/  "], "build/out.o")).toBe(true);
    expect(matches(["docs", "  !docs/README.md  "], "docs/README.md")).toBe(false);
  });

  it("never ignores the context root, and ignores nothing without patterns", () => {
    expect(matches(["*"], ".")).toBe(false);
    expect(matches([], "anything")).toBe(false);
    expect(matches(["", "   "], "anything")).toBe(false);
  });

  it.each(["[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "!"])("rejects the malformed pattern %j naming it", (pattern) => {
    expect(() => createIgnoreMatcher([pattern])).toThrow(expect.objectContaining({ code: "ERR_INVALID_PATTERN", pattern }));
  });
});

describe("mayMatchInside", () => {
  it("is false without exceptions and when no exception can reach below the directory", () => {
    expect(createIgnoreMatcher(["node_modules"]).mayMatchInside("node_modules")).toBe(false);
    const m = createIgnoreMatcher(["docs", "!docs/README.md", "!src/keep"]);
    expect(m.mayMatchInside("docs")).toBe(true);
    expect(m.mayMatchInside("build")).toBe(false);
    expect(m.mayMatchInside("docs/README.md")).toBe(false);
  });

  it("answers true for exceptions with wildcards that fit, and for **", () => {
    const m = createIgnoreMatcher(["*", "!*/keep.txt", "!vendor/**/LICENSE"]);
    expect(m.mayMatchInside("anything")).toBe(true);
    expect(m.mayMatchInside("a/b")).toBe(false);
    expect(m.mayMatchInside("vendor")).toBe(true);
    expect(m.mayMatchInside("vendor/x/y/z")).toBe(true);
  });

  it("is consistent with ignores: a pruned directory never hides a re-included path", () => {
    const patterns = ["*", "!a/b/keep", "!*/c/*.txt", "x/**", "!x/**/y"];
    const m = createIgnoreMatcher(patterns);
    const paths = ["a/b/keep", "a/b/nope", "q/c/z.txt", "x/1/2/y", "x/1/y/z", "a/c/n.md"];
    for (const path of paths) {
      if (m.ignores(path, false)) continue;
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/");
        if (m.ignores(dir, true)) expect(m.mayMatchInside(dir), `${dir} hides ${path}`).toBe(true);
      }
    }
  });
});

describe("excludedBy", () => {
  it("names the pattern that left a path excluded, and none when an exception took it back", () => {
    const matcher = createIgnoreMatcher(["*.log", "build", "!build/keep.txt", "build/keep.txt"]);
    expect(matcher.excludedBy("app.log")).toBe(0);
    expect(matcher.excludedBy("build/out.js")).toBe(1);
    expect(matcher.excludedBy("build/keep.txt")).toBe(3);
    expect(matcher.excludedBy("src/app.ts")).toBeUndefined();
    expect(createIgnoreMatcher(["build", "!build/keep.txt"]).excludedBy("build/keep.txt")).toBeUndefined();
  });
});

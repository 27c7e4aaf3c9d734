import { describe, expect, it } from "vitest";
import { InvalidOptionError, MissingOptionError, UnknownOptionError } from "@exp/errors";
import { AttrReader } from "./attr-reader.js";

const known = ["push", "name", "compression", "compression-level", "annotation."];

describe("AttrReader", () => {
  it("rejects an unknown key with a suggestion", () => {
    expect(() => new AttrReader("exporter image", { pushh: "true" }, known)).toThrow(UnknownOptionError);
    expect(() => new AttrReader("exporter image", { pushh: "true" }, known)).toThrow(/did you mean "push"/);
  });

  it("accepts prefixed keys but not the bare prefix", () => {
    const reader = new AttrReader("x", { "annotation.org.a": "1", "annotation.b": "2" }, known);
    expect(reader.prefixed("annotation.")).toEqual({ "org.a": "1", b: "2" });
    expect(() => new AttrReader("x", { "annotation.": "1" }, known)).toThrow(UnknownOptionError);
  });

  it("parses bools the BuildKit way", () => {
    const reader = (v: string) => new AttrReader("x", { push: v }, known);
    expect(reader("").bool("push", false)).toBe(true);
    expect(reader("TRUE").bool("push", false)).toBe(true);
    expect(reader("false").bool("push", true)).toBe(false);
    expect(new AttrReader("x", {}, known).bool("push", true)).toBe(true);
    expect(() => reader("yes please").bool("push", false)).toThrow(/invalid value "yes please" for "push"; expected true or false/);
  });

  it("checks enums and integer ranges", () => {
    const reader = new AttrReader("x", { compression: "lz4", "compression-level": "23" }, known);
    expect(() => reader.oneOf("compression", ["gzip", "zstd"])).toThrow(InvalidOptionError);
    expect(() => reader.int("compression-level", { min: 0, max: 22 })).toThrow(/an integer from 0 to 22/);
    const ok = new AttrReader("x", { compression: "zstd", "compression-level": "3" }, known);
    expect(ok.oneOf("compression", ["gzip", "zstd"], "gzip")).toBe("zstd");
    expect(ok.int("compression-level", { min: 0, max: 22 })).toBe(3);
  });

  it("requires required keys", () => {
    expect(() => new AttrReader("x", {}, known).required("name", "give the image a name")).toThrow(MissingOptionError);
    expect(new AttrReader("x", { name: "a" }, known).required("name", "")).toBe("a");
  });
});

describe("AttrReader.durationMs", () => {
  const read = (value: string) => new AttrReader("cache exporter gha", { timeout: value }, ["timeout"]).durationMs("timeout");
  it("reads Go durations as BuildKit's time.ParseDuration does", () => {
    expect(read("10m")).toBe(600_000);
    expect(read("1h30m")).toBe(5_400_000);
    expect(read("1.5s")).toBe(1_500);
    expect(new AttrReader("c", {}, ["timeout"]).durationMs("timeout")).toBeUndefined();
  });
  it("refuses what is not a duration, or not above zero, naming the value", () => {
    expect(() => read("10")).toThrow(/"10" for "timeout"; expected a duration such as "10m"/);
    expect(() => read("10 minutes")).toThrow(/unknown unit/);
    expect(() => read("0s")).toThrow(/above zero/);
    expect(() => read("-1m")).toThrow(/above zero/);
  });
});

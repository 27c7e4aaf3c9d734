import { describe, expect, it } from "vitest";
import { tabwrite } from "./tabwriter.js";

// Expected values worked out from Go's text/tabwriter (format/writeLines) with buildx's settings:
// minwidth 0, tabwidth 0, padding 1, pad ' ', no flags.
describe("tabwrite (Go's text/tabwriter as buildx sets it up)", () => {
  it("pads each terminated cell to one more than the widest of its column block; the last cell of a line is left alone", () => {
    expect(tabwrite("Name:\tdocker.io/library/alpine:latest\nMediaType:\tx\nDigest:\ty\n")).toBe("Name:      docker.io/library/alpine:latest\nMediaType: x\nDigest:    y\n");
  });

  it("pads empty cells too: buildx's blank line before Manifests: holds spaces", () => {
    expect(tabwrite("\t\nManifests:\t\n")).toBe(`${" ".repeat(11)}\nManifests: \n`);
  });

  it("a line with fewer cells ends a column block", () => {
    expect(tabwrite("a:\t1\nlonger:\t2\nplain\nb:\t3\n")).toBe("a:      1\nlonger: 2\nplain\nb: 3\n");
  });

  it("nests blocks column by column", () => {
    expect(tabwrite("a\tbb\tc\naaa\tb\tc\nx\ty\n")).toBe("a   bb c\naaa b  c\nx   y\n");
  });
});

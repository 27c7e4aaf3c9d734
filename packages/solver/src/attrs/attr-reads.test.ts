import { describe, expect, it } from "vitest";
import { AttrReader } from "./attr-reader.js";
import { recordAttrReads } from "./attr-reads.js";

describe("recordAttrReads", () => {
  it("lists the given attributes a resolve never read", () => {
    const { readers } = recordAttrReads(() => {
      const reader = new AttrReader("toy", { read: "1", ignored: "2", "annotation.a": "3", "p.x": "4" }, ["read", "ignored", "annotation.", "p."]);
      reader.bool("read", false);
      reader.startingWith("annotation");
      reader.prefixed("p.");
    });
    expect(readers.map((r) => [r.component, r.unread()])).toEqual([["toy", ["ignored"]]]);
  });

  it("records nothing outside a recording, and refuses to nest", () => {
    new AttrReader("outside", { a: "1" }, ["a"]);
    expect(recordAttrReads(() => 1).readers).toEqual([]);
    expect(() => recordAttrReads(() => recordAttrReads(() => 0))).toThrow(/already recording/);
  });
});

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Digest } from "@exp/oci-spec";
import { chainID, createRef } from "./ref.js";

const d = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}` as Digest;

describe("chainID", () => {
  it("is the diffID for one layer and the OCI recursion after that", () => {
    const [a, b, c] = [d("a"), d("b"), d("c")];
    expect(chainID([{ diffID: a }])).toBe(a);
    const ab = d(`${a} ${b}`);
    expect(chainID([{ diffID: a }, { diffID: b }])).toBe(ab);
    expect(chainID([{ diffID: a }, { diffID: b }, { diffID: c }])).toBe(d(`${ab} ${c}`));
  });

  it("depends on order and gives the empty chain a valid id", () => {
    expect(chainID([{ diffID: d("a") }, { diffID: d("b") }])).not.toBe(chainID([{ diffID: d("b") }, { diffID: d("a") }]));
    expect(createRef([]).id).toBe(d(""));
  });
});

import { describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { FaultPicker, type FaultRule } from "./fault-rules.js";
import { seededRandom } from "./prng.js";

const status503: FaultRule["fault"] = { type: "status", status: 503 };
const picks = (picker: FaultPicker, n: number, method = "GET", path = "/v2/") =>
  Array.from({ length: n }, () => (picker.pick(method, path) ? 1 : 0)).join("");

describe("seededRandom", () => {
  it("repeats for a seed and differs between seeds", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("FaultPicker", () => {
  it("faults exactly the nth matching requests, counted per rule", () => {
    const picker = new FaultPicker([{ match: { method: "PUT" }, nth: [2, 4], fault: status503 }], 1);
    const seen = ["PUT", "GET", "PUT", "PUT", "GET", "PUT", "PUT"].map((m) => (picker.pick(m, "/x") ? 1 : 0)).join("");
    // PUTs are #1 #2 #3 #4 #5 of the rule: the 2nd and 4th are at positions 3 and 6.
    expect(seen).toBe("0010010");
  });

  it("with a seed, probability rules give the same sequence every run", () => {
    const rules: FaultRule[] = [{ probability: 0.5, fault: status503 }];
    const first = picks(new FaultPicker(rules, 7), 32);
    expect(picks(new FaultPicker(rules, 7), 32)).toBe(first);
    expect(picks(new FaultPicker(rules, 8), 32)).not.toBe(first);
    expect(first).toMatch(/0/);
    expect(first).toMatch(/1/);
  });

  it("probability 0 never fires and 1 always does", () => {
    expect(picks(new FaultPicker([{ probability: 0, fault: status503 }], 1), 20)).toBe("0".repeat(20));
    expect(picks(new FaultPicker([{ probability: 1, fault: status503 }], 1), 20)).toBe("1".repeat(20));
  });

  it("matches method case-insensitively and path by regexp (query included); a bare rule fires every time", () => {
    const picker = new FaultPicker([{ match: { method: "put", path: /digest=/g }, fault: status503 }], 1);
    expect(picker.pick("PUT", "/v2/a/blobs/uploads/u?_state=s&digest=sha256:1")).toBeDefined();
    expect(picker.pick("PUT", "/v2/a/blobs/uploads/u?_state=s&digest=sha256:1")).toBeDefined(); // /g must not make it alternate
    expect(picker.pick("PATCH", "/v2/a/blobs/uploads/u?digest=x")).toBeUndefined();
    expect(picker.pick("PUT", "/v2/a/manifests/latest")).toBeUndefined();
  });

  it("the first rule that fires wins; every: false never fires", () => {
    const picker = new FaultPicker(
      [
        { every: false, fault: { type: "delay", ms: 1 } },
        { nth: [1], fault: { type: "reset-request", afterBytes: 0 } },
        { every: true, fault: status503 },
      ],
      1,
    );
    expect(picker.pick("GET", "/")?.type).toBe("reset-request");
    expect(picker.pick("GET", "/")?.type).toBe("status");
  });

  it("rejects malformed rules up front", () => {
    const bad: unknown[] = [
      { probability: 2, fault: status503 },
      { nth: [0], fault: status503 },
      { fault: { type: "status", status: 42 } },
      { fault: { type: "explode" } },
      { fault: { type: "delay", ms: -1 } },
    ];
    for (const rule of bad) {
      let error: unknown;
      try {
        new FaultPicker([rule as FaultRule], 1);
      } catch (e) {
        error = e;
      }
      expect(isExpError(error, "ERR_INVALID_OPTION"), JSON.stringify(rule)).toBe(true);
    }
  });
});

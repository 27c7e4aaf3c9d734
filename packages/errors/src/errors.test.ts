import { describe, expect, it } from "vitest";
import { AbortedError, ExpError, InvalidOptionError, UnknownOptionError, didYouMean, isAbortError, isExpError, throwIfAborted } from "./index.js";

describe("ExpError", () => {
  it("keeps code, fault, retryable and cause", () => {
    const cause = new Error("disk full");
    const error = new ExpError("ERR_TEST", "boom", { cause, fault: "server", retryable: true });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ExpError");
    expect([error.code, error.fault, error.retryable, error.cause]).toEqual(["ERR_TEST", "server", true, cause]);
  });

  it("is recognised across copies of the package by its brand", () => {
    // A structurally identical object made by "another copy" carries the same global symbol.
    const foreign = Object.defineProperty(new Error("x"), Symbol.for("@exp/errors.ExpError"), { value: true });
    expect(foreign instanceof ExpError).toBe(true);
    expect(new Error("plain") instanceof ExpError).toBe(false);
  });

  it("keeps instanceof precise for subclasses", () => {
    const unknown = new UnknownOptionError("image", "pus", ["push", "name"]);
    expect(unknown instanceof UnknownOptionError).toBe(true);
    expect(unknown instanceof InvalidOptionError).toBe(false);
    expect(isExpError(unknown, "ERR_UNKNOWN_OPTION")).toBe(true);
    expect(isExpError(unknown, "ERR_OTHER")).toBe(false);
  });
});

describe("option errors", () => {
  it("suggests the closest key and lists the valid ones", () => {
    const error = new UnknownOptionError("exporter image", "pusj", ["push", "name", "compression"]);
    expect(error.message).toBe('exporter image: unknown option "pusj" (did you mean "push"?); valid options are: compression, name, push');
  });

  it("names the key, the value and what is valid", () => {
    const error = new InvalidOptionError("exporter image", "compression", "lz4", "one of gzip, zstd, uncompressed");
    expect(error.message).toContain('"compression"');
    expect(error.message).toContain('"lz4"');
    expect(error.message).toContain("gzip, zstd, uncompressed");
  });
});

describe("didYouMean", () => {
  it.each([
    ["compresion", "compression"],
    ["ignore_error", "ignore-error"],
    ["nmae", "name"],
  ])("%s -> %s", (input, expected) => {
    expect(didYouMean(input, ["compression", "ignore-error", "name", "mode"])).toBe(expected);
  });

  it("says nothing for a word far from every candidate", () => {
    expect(didYouMean("registry", ["name", "mode"])).toBeUndefined();
  });
});

describe("abort helpers", () => {
  it("throws AbortedError with the signal's reason", () => {
    const controller = new AbortController();
    throwIfAborted(controller.signal, "ingest");
    const reason = new Error("sibling failed");
    controller.abort(reason);
    expect(() => throwIfAborted(controller.signal, "ingest")).toThrow(/ingest was aborted: sibling failed/);
    try {
      throwIfAborted(controller.signal, "ingest");
    } catch (error) {
      expect(error).toBeInstanceOf(AbortedError);
      expect((error as AbortedError).cause).toBe(reason);
      expect(isAbortError(error)).toBe(true);
    }
  });

  it("recognises DOM AbortError", () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isAbortError(new Error("x"))).toBe(false);
  });
});

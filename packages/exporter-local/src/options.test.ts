import { describe, expect, it } from "vitest";
import { InvalidOptionError, MissingOptionError, UnknownOptionError } from "@exp/errors";
import { createLocalExporter, createTarExporter, exporter, exporters, localExporter, tarExporter } from "./index.js";

describe("the package's exporters", () => {
  it("are listed by type for the CLI, local being the default", () => {
    expect(exporters.map((e) => e.type)).toEqual(["local", "tar"]);
    expect(exporter).toBe(localExporter);
    expect(exporters).toContain(tarExporter);
    expect(createLocalExporter().type).toBe("local");
    expect(createTarExporter().type).toBe("tar");
  });

  it("name their progress vertex like BuildKit", () => {
    expect(localExporter.resolve({ dest: "out" }).name).toBe("exporting to client directory");
    expect(tarExporter.resolve({ dest: "out.tar" }).name).toBe("exporting to client tarball");
  });
});

describe("attribute validation", () => {
  it.each([
    [localExporter, { dest: "out", "platfrom-split": "false" }, "platform-split"],
    [localExporter, { dest: "out", mdoe: "delete" }, "mode"],
    [localExporter, { dest: "out", "source-date-epoc": "1" }, "source-date-epoch"],
    [tarExporter, { dest: "o.tar", dset: "x" }, "dest"],
  ])("an unknown key suggests the closest one (%#)", (target, attrs, suggestion) => {
    const failure = (() => {
      try {
        target.resolve(attrs);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(UnknownOptionError);
    expect((failure as Error).message).toContain(`did you mean "${suggestion}"`);
  });

  it("mode is for type=local only", () => {
    expect(() => tarExporter.resolve({ dest: "o.tar", mode: "copy" })).toThrow(UnknownOptionError);
  });

  it("dest is required", () => {
    expect(() => localExporter.resolve({})).toThrow(MissingOptionError);
    expect(() => tarExporter.resolve({ "platform-split": "true" })).toThrow(/"dest" is required/);
  });

  it.each([
    [{ dest: "out", mode: "mirror" }, /"mirror" for "mode".*one of copy, delete/],
    [{ dest: "out", "platform-split": "yes" }, /"yes" for "platform-split".*true or false/],
    [{ dest: "out", "source-date-epoch": "yesterday" }, /"yesterday" for "source-date-epoch".*an integer/],
    [{ dest: "out", "source-date-epoch": "-5" }, /"-5" for "source-date-epoch".*from 0/],
    [{ dest: "-" }, /"-" for "dest".*only for type=tar/],
  ])("bad values name the key and what is valid (%#)", (attrs, message) => {
    expect(() => localExporter.resolve(attrs)).toThrow(InvalidOptionError);
    expect(() => localExporter.resolve(attrs)).toThrow(message);
  });

  it("accepts BuildKit's bool spellings", () => {
    expect(() => localExporter.resolve({ dest: "out", "platform-split": "" })).not.toThrow();
    expect(() => tarExporter.resolve({ dest: "-", "platform-split": "0", "source-date-epoch": "0" })).not.toThrow();
  });
});

import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "./events.js";
import { ProgressReporter } from "./reporter.js";

describe("ProgressReporter", () => {
  it("nests vertices and reports start, end and errors of a step", async () => {
    const events: ProgressEvent[] = [];
    const root = ProgressReporter.root((e) => events.push(e));
    const exporter = root.child("export-0", "exporting to image");
    const push = exporter.child("push", "pushing layers");
    await push.run(async () => push.bytes("sha256:abc", "uploading", 10, 20));
    await expect(push.run(async () => Promise.reject(new Error("403")))).rejects.toThrow("403");
    const summary = events.map((e) => (e.type === "vertex" ? `${e.id}<${e.parent ?? "-"}:${e.status}${e.error ? `:${e.error}` : ""}` : `${e.type}@${"vertex" in e ? e.vertex : ""}`));
    expect(summary).toEqual([
      "export-0/push<export-0:started",
      "bytes@export-0/push",
      "export-0/push<export-0:completed",
      "export-0/push<export-0:started",
      "export-0/push<export-0:error:403",
    ]);
  });

  it("reports canceled rather than error when the signal fired", async () => {
    const events: ProgressEvent[] = [];
    const step = ProgressReporter.root((e) => events.push(e)).child("cache-0", "exporting cache");
    const controller = new AbortController();
    controller.abort();
    await expect(step.run(async () => Promise.reject(new Error("aborted")), controller.signal)).rejects.toThrow();
    expect(events.at(-1)).toMatchObject({ type: "vertex", status: "canceled" });
  });
});

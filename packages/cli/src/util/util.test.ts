import { describe, expect, it } from "vitest";
import { buildMetadata } from "../metadata.js";
import { chromeTrace } from "../trace.js";
import { ago, formatBytes, parseDuration, shortDigest, table } from "./format.js";
import { Redactor } from "./redact.js";

describe("buildMetadata (buildx's --metadata-file format)", () => {
  it("decodes base64 JSON and JSON values into objects, keeps the rest, adds buildx.build.ref and exp.build.ref", () => {
    const descriptor = { mediaType: "application/vnd.oci.image.index.v1+json", digest: `sha256:${"1".repeat(64)}`, size: 856 };
    const cacheManifest = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"2".repeat(64)}`, size: 10 };
    const metadata = buildMetadata(
      {
        "image.name": "r.example/a:1,r.example/a:latest",
        "containerimage.digest": descriptor.digest,
        "containerimage.descriptor": Buffer.from(JSON.stringify(descriptor)).toString("base64"),
        "cache.manifest": JSON.stringify(cacheManifest),
        "some.flag": "true",
        "looks.like.base64": "YWJjZGVmZ2g=",
      },
      "b1",
    );
    expect(metadata).toEqual({
      "cache.manifest": cacheManifest,
      "containerimage.descriptor": descriptor,
      "buildx.build.ref": "exp/exp0/b1",
      "containerimage.digest": descriptor.digest,
      "exp.build.ref": "b1",
      "image.name": "r.example/a:1,r.example/a:latest",
      "looks.like.base64": "YWJjZGVmZ2g=",
      "some.flag": "true",
    });
    expect(Object.keys(metadata)).toEqual([...Object.keys(metadata)].sort());
  });
});

describe("chromeTrace", () => {
  it("puts build steps on build lanes and each exporter vertex on its own thread", () => {
    const t0 = 1_000_000;
    const v = (id: string, status: "started" | "completed", at: number, parent?: string) => ({ type: "vertex" as const, id, name: id, status, at: t0 + at, ...(parent ? { parent } : {}) });
    const trace = chromeTrace({
      startedAt: t0,
      exportStartedAt: t0 + 100,
      events: [v("op-0", "started", 0), v("op-1", "started", 10), v("op-0", "completed", 50), v("op-1", "completed", 60), v("export-0/push", "started", 120, "export-0"), v("export-0/push", "completed", 180, "export-0")],
      timeline: [
        { phase: "create", vertex: "export-0", name: "exporting to image", start: 0, end: 10, status: "completed" },
        { phase: "cache-create", vertex: "cache-0", name: "exporting cache", start: 10, end: 15, status: "completed" },
        { phase: "finalize", vertex: "export-0", name: "exporting to image", start: 15, end: 90, status: "completed" },
        { phase: "cache-finalize", vertex: "cache-0", name: "exporting cache", start: 15, end: 60, status: "ignored-error" },
      ],
    });
    const spans = trace.traceEvents.filter((e) => e.ph === "X");
    const byName = (name: string) => spans.filter((e) => e.name === name);
    // op-0 and op-1 overlap: two lanes.
    expect(byName("op-0")[0]!.tid).not.toBe(byName("op-1")[0]!.tid);
    expect(byName("finalize")[0]).toMatchObject({ ts: 115_000, dur: 75_000, cat: "export", args: { vertex: "export-0", status: "completed" } });
    expect(byName("create")[0]!.tid).toBe(byName("finalize")[0]!.tid);
    expect(byName("cache-finalize")[0]!.tid).not.toBe(byName("finalize")[0]!.tid);
    expect(byName("export-0/push")[0]!.tid).toBe(byName("finalize")[0]!.tid);
    const names = trace.traceEvents.filter((e) => e.ph === "M").map((e) => e.args?.name);
    expect(names).toEqual(["build", "build 2", "export-0: export-0", "cache-0: cache-0"]);
  });
});

describe("Redactor", () => {
  it("masks Authorization-like strings and secret-looking build args, nothing else", () => {
    const r = new Redactor({ GITHUB_TOKEN: "ghp_abcdef123456", VERSION: "1.2.3", DB_PASSWORD: "hunter22" });
    expect(r.redact("header Authorization: Bearer eyJhbGciOi.x.y sent")).toBe("header Authorization: Bearer **** sent");
    expect(r.redact('{"authorization":"Basic dXNlcjpwYXNz"}')).toBe('{"authorization":"Basic ****"}');
    expect(r.redact("got Bearer abc.def-123 back")).toBe("got Bearer **** back");
    expect(r.redact("GET https://u:p4ss@r.example/v2/?token=abc&x=1")).toBe("GET https://u:****@r.example/v2/?token=****&x=1");
    expect(r.redact("cloned with ghp_abcdef123456 and hunter22, version 1.2.3")).toBe("cloned with **** and ****, version 1.2.3");
    expect(r.redact("registry requires Basic authentication")).toBe("registry requires Basic authentication");
  });

  it("masks secret-looking attributes of a spec that a usage error repeats (commander quotes the raw argument)", () => {
    const r = new Redactor();
    const secret = "s3cr3t-K/+x";
    expect(r.redact(`error: option '--cache-to <spec>' argument 'type=s3,bucket=b,access_key_id=AK,secret_access_key=${secret},session_token=${secret}' is invalid. "x,password=${secret}": bad\n`)).toBe(
      `error: option '--cache-to <spec>' argument 'type=s3,bucket=b,access_key_id=****,secret_access_key=****,session_token=****' is invalid. "x,password=****": bad\n`,
    );
    expect(r.redact("'secret_access_key=abc,type=s3'")).toBe("'secret_access_key=****,type=s3'");
    // Only where a field starts: prose and build steps keep their `=`.
    expect(r.redact("#3 ENV API_TOKEN_NAME=x\n#4 exporting cache to s3 bucket b, name=main\n")).toBe("#3 ENV API_TOKEN_NAME=x\n#4 exporting cache to s3 bucket b, name=main\n");
  });
});

describe("format helpers", () => {
  it("formats sizes, digests, ages and tables", () => {
    expect([0, 999, 1000, 1234, 45_600_000, 3e9].map(formatBytes)).toEqual(["0B", "999B", "1kB", "1.23kB", "45.6MB", "3GB"]);
    expect(shortDigest(`sha256:${"ab".repeat(32)}`)).toBe("sha256:abababababab");
    expect(shortDigest("not-a-digest")).toBe("not-a-digest");
    expect(ago(new Date(0), 90_000)).toBe("1 minute ago");
    expect(ago(new Date(0), 3 * 3_600_000)).toBe("3 hours ago");
    expect(table(["A", "BB"], [["xxx", "y"]])).toBe("A     BB\nxxx   y\n");
  });

  it("parses durations like 24h, 7d, 1h30m", () => {
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    for (const bad of ["", "24", "h", "1x", "-1h", "1h 30m"]) expect(parseDuration(bad)).toBeUndefined();
  });
});

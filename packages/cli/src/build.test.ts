import { readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { buildArgsFrom } from "./commands/build.js";
import type { ChromeTrace } from "./trace.js";
import { fixture, pluginType, run, type Fixture } from "./test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

const report = () => `type=${pluginType},dest=${join(fx.dir, "r.json")}`;

describe("exp build with a third-party exporter", () => {
  it("loads the plugin package from type=<package> and runs it end to end", async () => {
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store]);
    expect(result.stderr).not.toContain("ERROR");
    expect(result.code).toBe(0);
    const written = JSON.parse(await readFile(join(fx.dir, "r.json"), "utf8"));
    expect(written.platforms).toHaveLength(1);
    expect(written.platforms[0].platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(written.platforms[0].layers).toHaveLength(2);
    expect(result.stdout).toBe("");
  });

  it("resolves relative dest= and --root against the working directory, and builds every --platform", async () => {
    const result = await run(["build", "ctx", "-o", `type=${pluginType},dest=rel.json`, "--root", "store", "--platform", "linux/amd64,linux/arm64/v8"], { cwd: fx.dir });
    expect(result.code).toBe(0);
    const written = JSON.parse(await readFile(join(fx.dir, "rel.json"), "utf8"));
    expect(written.platforms.map((p: { platform: { architecture: string } }) => p.platform.architecture)).toEqual(["amd64", "arm64"]);
    expect((await (await openContentStore(fx.store)).history.list())).toHaveLength(1);
  });
});

describe("metadata and trace files", () => {
  it("writes buildx-style metadata and a Chrome trace with one thread per exporter", async () => {
    const metadataFile = join(fx.dir, "out", "meta.json");
    const traceFile = join(fx.dir, "trace.json");
    const second = `type=${pluginType},dest=${join(fx.dir, "r2.json")},compression=zstd`;
    const result = await run(["build", fx.context, "-o", report(), "-o", second, "--root", fx.store, "--metadata-file", metadataFile, "--trace", traceFile]);
    expect(result.code).toBe(0);

    const metadata = JSON.parse(await readFile(metadataFile, "utf8"));
    expect(metadata["layer-report.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(metadata["exp.build.ref"]).toMatch(/^[a-z0-9]{25}$/);
    // buildx's <builder>/<node>/<ref>, the ref being the build record's id.
    expect(metadata["buildx.build.ref"]).toBe(`exp/exp0/${metadata["exp.build.ref"]}`);
    const store = await openContentStore(fx.store);
    const record = await store.history.get(metadata["exp.build.ref"]);
    expect(record?.results.map((d) => d.mediaType)).toEqual(["application/vnd.exp.layer-report.v1+json", "application/vnd.exp.layer-report.v1+json"]);
    expect(record?.labels).toMatchObject({ "exp.io/outputs": `${pluginType},${pluginType}` });

    const trace = JSON.parse(await readFile(traceFile, "utf8")) as ChromeTrace;
    const threads = new Map(trace.traceEvents.filter((e) => e.ph === "M").map((e) => [e.tid, String(e.args?.name)]));
    const spans = trace.traceEvents.filter((e) => e.ph === "X");
    const exportSpans = spans.filter((e) => e.cat === "export");
    expect(new Set(exportSpans.map((e) => e.args?.vertex))).toEqual(new Set(["export-0", "export-1"]));
    // One tid per exporter vertex, none shared with the build steps.
    const tidOf = (vertex: string) => new Set(exportSpans.filter((e) => e.args?.vertex === vertex).map((e) => e.tid));
    expect(tidOf("export-0").size).toBe(1);
    expect(tidOf("export-1").size).toBe(1);
    expect([...tidOf("export-0")][0]).not.toBe([...tidOf("export-1")][0]);
    expect(threads.get([...tidOf("export-0")][0]!)).toMatch(/^export-0: exporting layer report to /);
    expect(exportSpans.map((e) => e.name).sort()).toEqual(["create", "create", "finalize", "finalize"]);
    const build = spans.filter((e) => e.cat === "build");
    expect(build.map((e) => e.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[1\/2\] COPY app \/app/), expect.stringMatching(/^\[2\/2\] COPY README.txt/)]));
    for (const span of spans) {
      expect(span.ts).toBeGreaterThanOrEqual(0);
      expect(span.dur).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(build.map((e) => e.tid)).has([...tidOf("export-0")][0]!)).toBe(false);
  });

  it("writes the metadata file when the build fails too: the build ref, the error, the warnings", async () => {
    const metadataFile = join(fx.dir, "meta.json");
    await writeFile(join(fx.context, "Dockerfile"), "FROM scratch\nCOPY missing.txt /\n");
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--metadata-file", metadataFile, "--trace", join(fx.dir, "t.json"), "--build-arg", "API_TOKEN=tok-s3cr3t-1", "--cache-from", `type=local,src=${join(fx.dir, "tok-s3cr3t-1")}`]);
    expect(result.code).toBe(1);
    const metadata = JSON.parse(await readFile(metadataFile, "utf8"));
    expect(Object.keys(metadata)).toEqual(["buildx.build.ref", "exp.build.error", "exp.build.ref", "exp.build.warnings"]);
    expect(metadata["exp.build.ref"]).toMatch(/^[a-z0-9]{25}$/);
    expect(metadata["exp.build.error"]).toEqual({ code: expect.stringMatching(/^ERR_/), message: expect.stringMatching(/missing\.txt/) });
    // buildx's VertexWarning shape (short is base64, as Go writes bytes), and the text readable.
    const [warning] = metadata["exp.build.warnings"];
    expect(warning).toEqual({ level: 1, short: Buffer.from(warning.message).toString("base64"), message: expect.stringMatching(/^--cache-from type=local: no cache found there yet/) });
    // Nothing in it (the error, the warnings) shows the secret build arg's value.
    expect(JSON.stringify(metadata)).not.toContain("tok-s3cr3t");
    // The trace is written anyway: it is most useful when something went wrong.
    expect(JSON.parse(await readFile(join(fx.dir, "t.json"), "utf8")).traceEvents.length).toBeGreaterThan(0);
    // And the failed build is in the history under that ref, with its error.
    const records = await (await openContentStore(fx.store)).history.list();
    expect(records.map((r) => r.id)).toEqual([metadata["exp.build.ref"]]);
    expect(records[0]!.error).toMatch(/missing\.txt/);
  });

  it("a successful build's metadata has its warnings, and no error", async () => {
    const metadataFile = join(fx.dir, "meta.json");
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--metadata-file", metadataFile, "--build-arg", "UNUSED=1"]);
    expect(result.code).toBe(0);
    const metadata = JSON.parse(await readFile(metadataFile, "utf8"));
    expect(metadata["exp.build.error"]).toBeUndefined();
    expect(metadata["exp.build.warnings"].map((w: { message: string }) => w.message)).toEqual([expect.stringMatching(/build arg "UNUSED" was not consumed/)]);
  });
});

describe("plain progress", () => {
  it("prints one line per state change, then CACHED for every COPY of an identical rebuild", async () => {
    const first = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--progress", "plain"]);
    expect(first.code).toBe(0);
    const lines = first.stderr.split("\n");
    // BuildKit's step names: "[n/total] <instruction>" (the fixture's stage: two COPYs).
    const copy = lines.find((l) => /^#\d+ \[1\/2\] COPY app \/app$/.test(l))!;
    const n = copy.split(" ")[0]!;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${n} DONE \\d+\\.\\d+s$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^#\d+ exporting layer report to .*r\.json$/));
    expect(first.stderr).not.toContain("CACHED");

    const second = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--progress", "plain"]);
    expect(second.code).toBe(0);
    const copies = second.stderr.split("\n").filter((l) => /^#\d+ \[\d\/2\] COPY /.test(l));
    expect(copies).toHaveLength(2);
    for (const line of copies) {
      const number = line.split(" ")[0]!;
      expect(second.stderr).toContain(`${number} CACHED\n`);
      expect(second.stderr).not.toMatch(new RegExp(`^${number} DONE`, "m"));
    }
  });

  it("is the default without a TTY, and rawjson writes one event per line", async () => {
    const auto = await run(["build", fx.context, "-o", report(), "--root", fx.store]);
    expect(auto.stderr).toMatch(/^#1 /);
    const raw = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--progress", "rawjson"]);
    expect(raw.code).toBe(0);
    const events = raw.stderr.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "vertex" && e.status === "cached").length).toBe(2);
    expect(events.every((e) => typeof e.type === "string" && typeof e.at === "number")).toBe(true);
  });

  it("draws the tty view when asked", async () => {
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--progress", "tty"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[\+\] Building \d+\.\ds \(\d+\/\d+\) FINISHED/);
    expect(result.stderr).toMatch(/ => .*exporting layer report to/);
  });

  it("--quiet prints no progress", async () => {
    const result = await run(["build", "-q", fx.context, "-o", report(), "--root", fx.store]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });
});

describe("errors and exit codes", () => {
  it("an unknown output type fails with exit 1 and the install hint, before building", async () => {
    const result = await run(["build", fx.context, "-o", "type=@acme/exp-exporter-s3-tar,bucket=b", "--root", fx.store]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ERROR: output type "@acme/exp-exporter-s3-tar" needs the package @acme/exp-exporter-s3-tar, which is not installed: install it (pnpm add @acme/exp-exporter-s3-tar) or use one of image, registry, oci, docker, local, tar\n',
    );
  });

  it("a bad exporter attribute is exit 1 with the exporter's message", async () => {
    const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=x,compresion=zstd`, "--root", fx.store]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: .*unknown option "compresion" \(did you mean "compression"\?\)/);
  });

  it("a missing cache-to package is an error naming the package; a missing cache-from one only warns", async () => {
    const to = await run(["build", fx.context, "-o", report(), "--cache-to", "type=@acme/exp-cache-nope", "--root", fx.store]);
    expect(to.code).toBe(1);
    expect(to.stderr).toContain("needs the package @acme/exp-cache-nope, which is not installed: install it (pnpm add @acme/exp-cache-nope)");
    const from = await run(["build", fx.context, "-o", report(), "--cache-from", "type=@acme/exp-cache-nope", "--root", fx.store, "--progress", "plain"]);
    expect(from.code).toBe(0);
    expect(from.stderr).toContain(
      '1 warning found:\n - cache type "@acme/exp-cache-nope" (--cache-from) needs the package @acme/exp-cache-nope, which is not installed: install it (pnpm add @acme/exp-cache-nope) or use one of registry, local, s3, azblob, gha, inline; building without this cache\n',
    );
  });

  it.each([
    [["build", "--no-such-flag"], /error: unknown option '--no-such-flag'/],
    [["build", "--platform", "linux/armm64"], /error: option '--platform <platforms>' argument 'linux\/armm64' is invalid\. invalid platform "linux\/armm64": unknown architecture "armm64" \(did you mean "linux\/arm64"\?\)/],
    [["build", "-o", "type=image,push"], /error: option '-o, --output <spec>' argument 'type=image,push' is invalid.*invalid field "push"/],
    [["build", "-o", "dest=x"], /type is required/],
    [["build", "--progress", "fancy"], /argument 'fancy' is invalid. Allowed choices are auto, plain, tty, rawjson/],
    [["build", "--build-arg", "=x"], /--build-arg <key=value>/],
    [["prune", "--keep-duration", "soon"], /expected a duration/],
    [["frobnicate"], /error: unknown command 'frobnicate'/],
  ])("usage error %j exits 2 with commander's message", async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("ERROR:");
  });

  it("a usage error about a spec never repeats its secret attributes (commander quotes the argument)", async () => {
    const secret = "s3cr3t-usage-9f2c/+x";
    for (const spec of [`type=s3,bucket=b,secret_access_key=${secret},session_token=${secret},"bad`, `bucket=b,secret_access_key=${secret}`]) {
      const result = await run(["build", "--cache-to", spec]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("secret_access_key=****");
      expect(result.stderr).not.toContain("s3cr3t");
    }
  });

  it("--debug adds the error code and the stack", async () => {
    const plain = await run(["build", fx.context, "-o", "type=@acme/nope", "--root", fx.store]);
    expect(plain.stderr.trim().split("\n")).toHaveLength(1);
    const debug = await run(["build", fx.context, "-o", "type=@acme/nope", "--root", fx.store, "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^ERROR: output type "@acme\/nope"/);
    expect(debug.stderr).toContain("code: ERR_EXPORTER_NOT_FOUND");
    expect(debug.stderr).toMatch(/ExporterNotFoundError: .*\n\s+at /);
  });

  it("an interrupted build exits 130", async () => {
    const controller = new AbortController();
    controller.abort(new Error("interrupted (SIGINT)"));
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store], { signal: controller.signal });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^ERROR: .*aborted: interrupted \(SIGINT\)\n$/);
  });

  it("a Dockerfile error is exit 1 with one ERROR line", async () => {
    await writeFile(join(fx.context, "Dockerfile"), "FROM scratch\nRUN echo hi\n");
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store]);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/^ERROR: /gm)).toHaveLength(1);
    expect(result.stderr).toMatch(/ERROR: .*RUN/);
  });

  it("never prints a secret-looking build arg value", async () => {
    await writeFile(join(fx.context, "Dockerfile"), "FROM scratch\nARG API_TOKEN\nCOPY ${API_TOKEN}.txt /\n");
    const result = await run(["build", fx.context, "-o", report(), "--root", fx.store, "--build-arg", "API_TOKEN=s3cr3t-v4lue", "--progress", "plain", "--debug"]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("s3cr3t-v4lue");
    expect(result.stderr).toContain('Dockerfile:3:1: COPY source "****.txt" not found');
    // Nor does the build history keep it.
    const [record] = await (await openContentStore(fx.store)).history.list();
    expect(record?.error).toBe('Dockerfile:3:1: COPY source "****.txt" not found');
    const history = await run(["history", "ls", "--root", fx.store]);
    expect(history.stdout).not.toContain("s3cr3t-v4lue");
  });
});

describe("build args", () => {
  it("takes KEY=VALUE, KEY from the environment, and SOURCE_DATE_EPOCH from the environment", () => {
    expect(buildArgsFrom(["A=1", "B=x=y", "HOME", "UNSET"], { HOME: "/h", SOURCE_DATE_EPOCH: "1700000000" })).toEqual({ A: "1", B: "x=y", HOME: "/h", SOURCE_DATE_EPOCH: "1700000000" });
    expect(buildArgsFrom(["SOURCE_DATE_EPOCH=1"], { SOURCE_DATE_EPOCH: "2" })).toEqual({ SOURCE_DATE_EPOCH: "1" });
    expect(() => buildArgsFrom([], { SOURCE_DATE_EPOCH: "yesterday" })).toThrow(/SOURCE_DATE_EPOCH must be a whole number/);
  });

  it("SOURCE_DATE_EPOCH leaves the layers' file times alone, as BuildKit; rewrite-timestamp=true clamps them, so two builds of different file times give one image", async () => {
    const env = { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000" };
    const other = await fixture();
    // Other file times, later than the epoch.
    const later = new Date("2025-06-01T00:00:00Z");
    for (const file of ["app/main.js", "app/lib.js", "README.txt", "app"]) await utimes(join(other.context, file), later, later);
    const image = async (context: string, store: string, rewrite: boolean) => {
      const metadata = join(fx.dir, "meta.json");
      const result = await run(["build", context, "-o", `type=oci,dest=${join(fx.dir, "image.tar")}${rewrite ? ",rewrite-timestamp=true" : ""}`, "--root", store, "--metadata-file", metadata], { env });
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"];
    };
    try {
      expect(await image(other.context, other.store, false)).not.toBe(await image(fx.context, fx.store, false));
      expect(await image(other.context, other.store, true)).toBe(await image(fx.context, fx.store, true));
    } finally {
      await other.cleanup();
    }
  });
});

describe("exp --version", () => {
  it("prints the package version", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    const result = await run(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });
});

import { describe, expect, it } from "vitest";
import { fixture, run } from "../test-helpers.js";
import { buildSummary, imageId } from "./build-summary.js";

const manifest = `sha256:${"a".repeat(64)}`;
const config = `sha256:${"c".repeat(64)}`;
const descriptor = (mediaType: string) => Buffer.from(JSON.stringify({ mediaType, digest: manifest, size: 1 })).toString("base64");
const single = { "containerimage.digest": manifest, "containerimage.config.digest": config, "containerimage.descriptor": descriptor("application/vnd.oci.image.manifest.v1+json") };
const multi = { "containerimage.digest": manifest, "containerimage.descriptor": descriptor("application/vnd.oci.image.index.v1+json") };
const base = { root: "/home/me/.local/share/exp", cwd: "/src", tags: ["r.example/app:1"] };

/** The rows of the summary: [label, text], checking that every text starts in one column. */
function rows(text: string): Array<[string, string]> {
  const lines = text.split("\n").filter((l) => l.startsWith("  "));
  const column = Math.min(...lines.map((l) => /^ {2}\S+ {2,}/.exec(l)![0].length));
  for (const line of lines) expect(line.slice(0, column)).toMatch(/^ {2}\S+ +$/);
  return lines.map((l) => [l.slice(0, column).trim(), l.slice(column)]);
}

describe("build summary", () => {
  it("names each digest by its metadata key and says which one -q prints", () => {
    const out = rows(buildSummary({ ...base, outputs: [{ type: "image", attrs: { name: "r.example/app:1" } }], caches: [], response: single }));
    expect(out).toEqual([
      ["image", "stored in /home/me/.local/share/exp as r.example/app:1"],
      ["manifest", `${manifest} (containerimage.digest)`],
      ["config", `${config} (containerimage.config.digest, the image id -q prints)`],
    ]);
    expect(imageId(single)).toBe(config);
    // A multi-platform image has no config digest: its id is the index digest.
    expect(rows(buildSummary({ ...base, outputs: [{ type: "image", attrs: { name: "r.example/app:1" } }], caches: [], response: multi })).at(-1)).toEqual(["index", `${manifest} (containerimage.digest, the image id -q prints)`]);
    expect(imageId(multi)).toBe(manifest);
  });

  it("says where every output and cache went, in aligned columns, never 'the local store'", () => {
    const text = buildSummary({
      ...base,
      outputs: [
        { type: "registry", attrs: { name: "r.example/app:1", push: "true" } },
        { type: "image", attrs: { name: "*", push: "true" } },
        { type: "image", attrs: {} },
        { type: "oci", attrs: { dest: "/src/out/app.tar" } },
        { type: "tar", attrs: { dest: "-" } },
        { type: "local", attrs: { dest: "/tmp/files" } },
        { type: "@acme/exp-exporter-s3-tar", attrs: { bucket: "b", secret_access_key: "s3cr3t" } },
      ],
      caches: [
        { type: "inline", attrs: {} },
        { type: "registry", attrs: { ref: "r.example/app:cache", mode: "max" } },
        { type: "local", attrs: { dest: "/src/.cache" } },
        { type: "s3", attrs: { bucket: "cache", prefix: "app/", secret_access_key: "s3cr3t" } },
        { type: "azblob", attrs: { account_url: "https://acct.blob.core.windows.net?sv=2024&sig=s3cr3t", container: "c", name: "app" } },
        { type: "gha", attrs: { scope: "app;base", token: "s3cr3t" } },
      ],
      response: single,
    });
    expect(text).not.toContain("the local store");
    expect(text).not.toContain("s3cr3t");
    expect(rows(text)).toEqual([
      ["registry", "pushed to r.example/app:1"],
      ["image", "stored in /home/me/.local/share/exp as r.example/app:1; pushed to r.example/app:1"],
      ["image", "not kept in /home/me/.local/share/exp: it has no name (give -t or name=)"],
      ["oci", "written to out/app.tar"],
      ["tar", "written to stdout"],
      ["local", "written to the directory /tmp/files"],
      ["@acme/exp-exporter-s3-tar", "done (bucket=b,secret_access_key=****)"],
      ["cache:inline", "embedded in the image (pushed to r.example/app:1; stored in /home/me/.local/share/exp as r.example/app:1; pushed to r.example/app:1; not kept in /home/me/.local/share/exp: it has no name (give -t or name=); written to out/app.tar)"],
      ["cache:registry", "pushed to r.example/app:cache"],
      ["cache:local", "written to the directory .cache"],
      ["cache:s3", "uploaded to s3://cache/app/"],
      ["cache:azblob", "uploaded to Azure Blob Storage https://acct.blob.core.windows.net container c"],
      ["cache:gha", "saved to the GitHub Actions cache, scope app, base"],
      ["manifest", `${manifest} (containerimage.digest)`],
      ["config", `${config} (containerimage.config.digest, the image id -q prints)`],
    ]);
  });

  it("an inline cache with no image output, and a cache export that failed with ignore-error, say so", () => {
    const text = buildSummary({
      ...base,
      outputs: [{ type: "local", attrs: { dest: "/src/out" } }],
      caches: [{ type: "inline", attrs: {} }, { type: "registry", attrs: { ref: "r.example/app:cache", "ignore-error": "true" } }],
      response: {},
      timeline: [{ phase: "cache-finalize", vertex: "cache-0", name: "exporting cache to registry", start: 0, end: 1, status: "ignored-error" }],
    });
    expect(rows(text)).toEqual([
      ["local", "written to the directory out"],
      ["cache:inline", "not exported: no image output to embed it in"],
      ["cache:registry", "not exported: it failed and ignore-error=true let the build go on"],
    ]);
  });

  it("exp build prints it on stderr; -q prints the config digest the summary names", async () => {
    const fx = await fixture();
    try {
      // Reproducible: the config holds the creation time, which SOURCE_DATE_EPOCH pins.
      const env = { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000" };
      const built = await run(["build", fx.context, "-t", "app:1", "--root", fx.store], { env });
      expect(built.code).toBe(0);
      const summary = built.stderr.slice(built.stderr.lastIndexOf("\nexported:\n"));
      const lines = rows(summary);
      expect(lines[0]).toEqual(["image", `stored in ${fx.store} as app:1`]);
      const configLine = lines.find(([label]) => label === "config")!;
      const quiet = await run(["build", "-q", fx.context, "-t", "app:1", "--root", fx.store], { env });
      expect(quiet.stderr).toBe("");
      expect(`${quiet.stdout}`).toBe(`${configLine[1].split(" ")[0]}\n`);
    } finally {
      await fx.cleanup();
    }
  });
});

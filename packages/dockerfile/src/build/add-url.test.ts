import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { createUrlFetcher } from "@exp/registry";
import type { Digest, Layer } from "@exp/solver";
import { buildImage, type BuildImageOptions } from "./build-image.js";
import { readLayerEntries } from "./test-support/layer-files.js";

// ADD <url> against a real HTTP server on 127.0.0.1, downloaded by @exp/registry's undici
// fetcher as the CLI wires it: what BuildKit's http source does (source/http/source.go).

const archive = gzipSync(Buffer.from("a tar.gz that ADD must not extract"));
const archiveDigest = `sha256:${createHash("sha256").update(archive).digest("hex")}`;
const lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";

let server: Server;
let base: string;
let requests: Array<{ path: string; ifNoneMatch?: string; status: number }>;

function respond(req: IncomingMessage): { status: number; headers?: Record<string, string>; body?: Buffer | string; cut?: boolean } {
  switch (req.url) {
    case "/files/tool.tar.gz":
      if (req.headers["if-none-match"] === '"v1"') return { status: 304, headers: { ETag: '"v1"' } };
      return { status: 200, headers: { ETag: '"v1"', "Last-Modified": lastModified, "Content-Type": "application/gzip" }, body: archive };
    case "/files/v%5B1%5D.txt":
      return { status: 200, body: "bracketed" };
    case "/plain":
      return { status: 200, body: "no etag, no date" };
    case "/moved":
      return { status: 302, headers: { Location: "/files/tool.tar.gz" } };
    case "/cut":
      return { status: 200, headers: { "Content-Length": "1000" }, body: "0123456789", cut: true };
    default:
      return { status: 404, body: "not here" };
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = respond(req);
    requests.push({ path: req.url!, ...(req.headers["if-none-match"] ? { ifNoneMatch: String(req.headers["if-none-match"]) } : {}), status: answer.status });
    res.writeHead(answer.status, answer.headers);
    if (answer.cut) {
      res.write(answer.body);
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
let store: ContentStore;
const fetcher = createUrlFetcher();
afterAll(() => fetcher.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-add-url-"));
  store = await openContentStore(join(dir, "store"));
  requests = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function build(dockerfile: string, options: Partial<BuildImageOptions> = {}) {
  const context = join(dir, `ctx-${Math.random().toString(36).slice(2)}`);
  await mkdir(context, { recursive: true });
  await writeFile(join(context, "Dockerfile"), dockerfile);
  const result = await buildImage({ context, store, http: fetcher, ...options });
  await store.leases.release(result.lease);
  return result;
}

/** "name mode uid:gid mtime(s)" of every entry, and the files' bytes. */
async function entries(layer: Layer): Promise<{ list: string[]; bytes: Map<string, Buffer> }> {
  const read = await readLayerEntries(layer);
  return {
    list: read.map(({ header }) => `${header.name} ${(header.mode ?? 0).toString(8)} ${header.uid}:${header.gid} ${(header.mtime?.getTime() ?? 0) / 1000}`),
    bytes: new Map(read.filter(({ header }) => header.type === "file").map(({ header, content }) => [header.name, content])),
  };
}

describe("ADD <url>", () => {
  it("downloads into the directory by the URL's file name, mode 0600, mtime from Last-Modified, never extracted", async () => {
    const result = await build(`FROM scratch\nADD ${base}/files/tool.tar.gz /opt/\n`);
    const { ref, config } = result.source.results[0]!;
    const { list, bytes } = await entries(ref.layers[0]!);
    const mtime = Date.parse(lastModified) / 1000;
    expect(list).toEqual([expect.stringMatching(/^opt\/ 755 0:0 /), `opt/tool.tar.gz 600 0:0 ${mtime}`]);
    expect(bytes.get("opt/tool.tar.gz")).toEqual(archive);
    expect((config as unknown as { history: Array<{ created_by: string }> }).history[0]!.created_by).toBe(`ADD ${base}/files/tool.tar.gz /opt/ # buildkit`);
  });

  it("revalidates a stored download with its ETag (If-None-Match, 304): the next build downloads nothing and is a cache hit", async () => {
    const dockerfile = `FROM scratch\nADD ${base}/files/tool.tar.gz /t\n`;
    const first = await build(dockerfile);
    const second = await build(dockerfile);
    expect(requests).toEqual([
      { path: "/files/tool.tar.gz", status: 200 },
      { path: "/files/tool.tar.gz", ifNoneMatch: '"v1"', status: 304 },
    ]);
    expect(second.cached).toBe(true);
    expect(second.source.results[0]!.ref.layers[0]!.diffID).toBe(first.source.results[0]!.ref.layers[0]!.diffID);
  });

  it("with a file's mtime the epoch when the server sends no Last-Modified, as BuildKit", async () => {
    const result = await build(`FROM scratch\nADD ${base}/plain /p\n`);
    expect((await entries(result.source.results[0]!.ref.layers[0]!)).list).toEqual(["p 600 0:0 0"]);
  });

  it("copies a file named with glob characters as that file, into a directory or to a file", async () => {
    const result = await build(`FROM scratch\nADD ${base}/files/v%5B1%5D.txt /d/\nADD ${base}/files/v%5B1%5D.txt /f\n`);
    const [intoDir, toFile] = result.source.results[0]!.ref.layers;
    expect((await entries(intoDir!)).bytes.get("d/v[1].txt")?.toString()).toBe("bracketed");
    expect((await entries(toFile!)).bytes.get("f")?.toString()).toBe("bracketed");
  });

  it("follows redirects, and applies --chmod and --chown to the download", async () => {
    const result = await build(`FROM scratch\nADD --chmod=755 --chown=1000:1000 ${base}/moved /bin/\n`);
    const { list, bytes } = await entries(result.source.results[0]!.ref.layers[0]!);
    // The name is the written URL's, not the redirect target's (BuildKit passes it as llb.Filename).
    expect(list.at(-1)).toMatch(/^bin\/moved 755 1000:1000 /);
    expect(bytes.get("bin/moved")).toEqual(archive);
  });

  it("verifies --checksum; a pinned download needs no request at all once its layer is cached", async () => {
    const dockerfile = `FROM scratch\nADD --checksum=${archiveDigest} ${base}/files/tool.tar.gz /t\n`;
    await build(dockerfile);
    expect(requests).toHaveLength(1);
    const again = await build(dockerfile);
    expect(again.cached).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it("fails on a wrong --checksum naming both digests, at the ADD's line", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    const error = await build(`FROM scratch\n\nADD --checksum=${wrong} ${base}/files/tool.tar.gz /t\n`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_URL_CHECKSUM_MISMATCH", expected: wrong, actual: archiveDigest });
    expect((error as Error).message).toMatch(/^Dockerfile:3:1: digest mismatch for http:\/\/127\.0\.0\.1:\d+\/files\/tool\.tar\.gz/);
    expect((error as Error).message).toContain(wrong);
    expect((error as Error).message).toContain(archiveDigest);
    expect(await store.exists(archiveDigest as Digest)).toBe(false);
  });

  it("fails clearly on a 404", async () => {
    const error = await build(`FROM scratch\nADD ${base}/nothing.txt /n\n`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_URL_NOT_FOUND", status: 404 });
    expect((error as Error).message).toMatch(/^Dockerfile:2:1: GET http:\/\/127\.0\.0\.1:\d+\/nothing\.txt answered 404 Not Found/);
  });

  it("fails clearly on a body cut mid-way, keeping nothing", async () => {
    const error = await build(`FROM scratch\nADD ${base}/cut /c\n`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_URL_BODY_INCOMPLETE", received: 10, expectedSize: 1000 });
    expect((error as Error).message).toMatch(/the download of http:\/\/127\.0\.0\.1:\d+\/cut stopped after 10 of 1000 bytes/);
    expect(await store.leases.list()).toEqual([]);
  });

  it("refuses to build without an HTTP client, naming the option", async () => {
    const error = await build(`FROM scratch\nADD ${base}/plain /p\n`, { http: undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_URL_FETCHER_REQUIRED" });
    expect((error as Error).message).toMatch(/^Dockerfile:2:1: .*needs an HTTP client/);
    expect(requests).toEqual([]);
  });
});

describe("the build's facts, for provenance", () => {
  it("lists each download with the digest of its bytes, and the Dockerfile as read", async () => {
    const dockerfile = `FROM scratch\nADD ${base}/files/tool.tar.gz /t\nADD --checksum=${archiveDigest} ${base}/files/tool.tar.gz /u\nADD ${base}/plain /p\n`;
    const result = await build(dockerfile);
    const plain = `sha256:${createHash("sha256").update("no etag, no date").digest("hex")}`;
    expect(result.facts.materials).toEqual([{ images: [], http: [{ url: `${base}/files/tool.tar.gz`, digest: archiveDigest }, { url: `${base}/plain`, digest: plain }] }]);
    expect(result.facts.dockerfile).toEqual({ filename: "Dockerfile", content: dockerfile });
  });

  it("lists a base image with the digest its reference resolved to (the index), per platform", async () => {
    const layout = join(dir, "layout");
    const blob = async (value: unknown) => {
      const bytes = Buffer.from(JSON.stringify(value));
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
      await writeFile(join(layout, "blobs", "sha256", digest.slice(7)), bytes);
      return { digest, size: bytes.length };
    };
    const manifests = [];
    for (const architecture of ["amd64", "arm64"]) {
      const config = await blob({ architecture, os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} });
      const manifest = await blob({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config }, layers: [] });
      manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, platform: { os: "linux", architecture } });
    }
    const index = await blob({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests });
    await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await writeFile(join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", ...index, annotations: { "org.opencontainers.image.ref.name": "1" } }] }));
    const result = await build(`FROM oci-layout://${layout}:1\n`, { platforms: [{ os: "linux", architecture: "arm64" }] });
    expect(result.facts.materials).toEqual([{ images: [{ ref: `oci-layout://${layout}:1`, digest: index.digest, platform: { os: "linux", architecture: "arm64" }, local: true }], http: [] }]);
  });
});

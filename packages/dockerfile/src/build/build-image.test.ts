import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { CacheRecords, cacheGraph, type ProgressEvent } from "@exp/solver";
import { DockerfileError } from "../errors.js";
import { buildImage } from "./build-image.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-build-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function context(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

const dockerfile = `# syntax=docker/dockerfile:1
ARG NODE_ENV=production
FROM scratch AS app
ARG NODE_ENV
ENV NODE_ENV=\${NODE_ENV} PORT=8080
WORKDIR /srv
COPY package.json ./
COPY --chmod=755 bin/ ./bin/
COPY <<EOF /srv/VERSION
1.2.3
EOF
LABEL org.opencontainers.image.title=demo
EXPOSE 8080
USER 1000:1000
ENTRYPOINT ["/srv/bin/start"]
CMD ["--port", "8080"]
`;

const files = { Dockerfile: dockerfile, "package.json": "{}", "bin/start": "#!/bin/sh\n", ".dockerignore": "*.md\n", "README.md": "not sent" };

describe("buildImage", () => {
  it("builds the config the Dockerfile describes, with one layer per COPY and WORKDIR and matching history", async () => {
    const result = await buildImage({ context: await context("a", files), store, sourceDateEpoch: 1_700_000_000 });
    const [only] = result.source.results;
    const config = only!.config as Record<string, any>;
    expect(config.config.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production", "PORT=8080"]);
    expect(config.config.WorkingDir).toBe("/srv");
    expect(config.config.Entrypoint).toEqual(["/srv/bin/start"]);
    expect(config.config.Cmd).toEqual(["--port", "8080"]);
    expect(config.config.ExposedPorts).toEqual({ "8080/tcp": {} });
    expect(config.config.User).toBe("1000:1000");
    expect(config.config.Labels).toEqual({ "org.opencontainers.image.title": "demo" });
    expect(only!.ref.layers).toHaveLength(4);
    expect(config.rootfs.diff_ids).toEqual(only!.ref.layers.map((l) => l.diffID));
    const layered = config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer);
    expect(layered.map((h: { created_by: string }) => h.created_by.split(" ")[0])).toEqual(["WORKDIR", "COPY", "COPY", "COPY"]);
    expect(layered).toHaveLength(4);
    expect(config.created).toBe("2023-11-14T22:13:20.000Z");
    expect(config.history.every((h: { created: string }) => h.created === config.created)).toBe(true);
    await store.leases.release(result.lease);
  });

  it("is a full cache hit the second time, and reproducible from another checkout", async () => {
    const first = await buildImage({ context: await context("b", files), store, sourceDateEpoch: 1_700_000_000 });
    const events: ProgressEvent[] = [];
    const second = await buildImage({ context: await context("c", files), store, sourceDateEpoch: 1_700_000_000, onProgress: (e) => events.push(e) });
    expect(second.cached).toBe(true);
    expect(first.cached).toBe(false);
    expect(second.source.results[0]!.ref.id).toBe(first.source.results[0]!.ref.id);
    expect(JSON.stringify(second.source.results[0]!.config)).toBe(JSON.stringify(first.source.results[0]!.config));
    expect(events.some((e) => e.type === "vertex" && e.status === "cached")).toBe(true);
  });

  it("builds one result per platform", async () => {
    const result = await buildImage({
      context: await context("d", files),
      store,
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
    });
    expect(result.source.multiPlatform).toBe(true);
    expect(result.source.results.map((r) => `${r.config.os}/${r.config.architecture}`)).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("--chown with names uses the base image's /etc/passwd and /etc/group", async () => {
    const root = await context("i", {
      ...files,
      passwd: "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
      group: "root:x:0:\nnode:x:1000:\nstaff:x:50:\n",
      Dockerfile: "FROM scratch AS base\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nFROM base\nCOPY --chown=node package.json /a/\nCOPY --chown=node:staff package.json /b/\n",
    });
    const result = await buildImage({ context: root, store });
    const layers = result.source.results[0]!.ref.layers;
    const owners = async (index: number) => {
      const { extract } = await import("tar-stream");
      const found: string[] = [];
      const parser = extract();
      parser.on("entry", (header, stream, next) => {
        if (header.type === "file") found.push(`${header.name} ${header.uid}:${header.gid}`);
        stream.on("end", next);
        stream.resume();
      });
      const done = new Promise<void>((r) => parser.on("finish", () => r()));
      (await layers[index]!.openTar({})).pipe(parser);
      await done;
      return found;
    };
    expect(await owners(2)).toEqual(["a/package.json 1000:1000"]);
    expect(await owners(3)).toEqual(["b/package.json 1000:50"]);
  });

  it("hands cache exporters the record graph: each record with its inputs and its whole result chain", async () => {
    const root = await context("graph", {
      ...files,
      "assets/logo.svg": "<svg/>",
      Dockerfile: "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY package.json /app/\nCOPY --from=assets /assets /srv/assets\n",
    });
    const result = await buildImage({ context: root, store, sourceDateEpoch: 1_700_000_000 });
    const top = result.source.results[0]!;
    const nodes = await cacheGraph(new CacheRecords(store), [top.cacheKey!]);
    expect(nodes).toHaveLength(3);
    const topNode = nodes.find((n) => n.key === top.cacheKey)!;
    expect(topNode.chain.map((c) => c.diffID)).toEqual(top.ref.layers.map((l) => l.diffID));
    expect(topNode.inputs).toHaveLength(2);
    const inputs = topNode.inputs.map((k) => nodes.find((n) => n.key === k)!);
    // One input is the base it was copied onto (the app layer), the other the stage it copied from.
    expect(inputs.map((n) => n.chain.length).sort()).toEqual([1, 1]);
    expect(inputs.some((n) => n.chain[0]!.diffID === top.ref.layers[0]!.diffID)).toBe(true);
    await store.leases.release(result.lease);
  });

  it("ADD of a local file that is not an archive is COPY", async () => {
    const root = await context("h", { ...files, Dockerfile: "FROM scratch\nADD package.json /srv/\n" });
    const result = await buildImage({ context: root, store });
    expect(result.source.results[0]!.ref.layers).toHaveLength(1);
    expect((result.source.results[0]!.config as Record<string, any>).history[0].created_by).toMatch(/^ADD package.json \/srv\//);
  });

  it("refuses RUN with the file, line and column", async () => {
    const root = await context("e", { ...files, Dockerfile: "FROM scratch\nCOPY package.json /\n  RUN npm ci\n" });
    const failure = await buildImage({ context: root, store }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DockerfileError);
    expect((failure as DockerfileError).message).toMatch(/^Dockerfile:3:3: .*without running containers/);
    expect(await store.leases.list()).toEqual([]);
  });

  it("a missing COPY source is one clear error", async () => {
    const root = await context("f", { ...files, Dockerfile: "FROM scratch\nCOPY nothing-here /x\n" });
    await expect(buildImage({ context: root, store })).rejects.toMatchObject({ code: "ERR_COPY_SOURCE_NOT_FOUND" });
  });

  it("a file left out by .dockerignore is not in the context", async () => {
    const root = await context("g", { ...files, Dockerfile: "FROM scratch\nCOPY README.md /\n" });
    await expect(buildImage({ context: root, store })).rejects.toMatchObject({ code: "ERR_COPY_SOURCE_NOT_FOUND" });
  });
});

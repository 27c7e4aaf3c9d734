import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { ProgressReporter } from "../progress/reporter.js";
import { PlatformNotFoundError } from "../sources/resolve-image.js";
import { copy, image, local, scratch } from "./nodes.js";
import { CacheRecords } from "./cache-records.js";
import { cacheGraph } from "./cache-graph.js";
import { Solver } from "./solver.js";
import { writeTestIndexLayout, writeTestLayout } from "./test-support.js";

let dir: string;
let store: ContentStore;
const amd64 = { os: "linux", architecture: "amd64" };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-base-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function solver(into: ContentStore) {
  const lease = await into.leases.create();
  return new Solver({ store: into, lease: lease.id, progress: ProgressReporter.root(undefined), sourceDateEpoch: 1_700_000_000, rewriteTimestamp: true });
}

/** A base image in an OCI layout, built by exp itself into a separate store. */
async function baseLayout(platform = amd64, id = "exp-test"): Promise<string> {
  const baseStore = await openContentStore(join(dir, `base-store-${id}`));
  const context = join(dir, `base-context-${id}`);
  await mkdir(join(context, "etc"), { recursive: true });
  await writeFile(join(context, "etc", "os-release"), `ID=${id}\n`);
  const built = await (await solver(baseStore)).solve(copy(scratch(), { from: local(context), sources: ["etc"], dest: "/etc/", description: "COPY etc /etc/" }));
  const layout = join(dir, `base-layout-${id}`);
  await writeTestLayout(baseStore, built.ref, layout, "v1", platform);
  return layout;
}

describe("Solver with a base image from an OCI layout", () => {
  it("stacks a COPY --link on the base without downloading the base layer", async () => {
    const layout = await baseLayout();
    const context = join(dir, "app");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "app.js"), "1");
    // Without --link the COPY reads the base's tree to place its files (as BuildKit unpacks it).
    const node = copy(image(`oci-layout://${layout}:v1`, amd64), { from: local(context), sources: ["app.js"], dest: "/app/", link: true, description: "COPY --link app.js /app/" });
    const solved = await (await solver(store)).solve(node);
    expect(solved.ref.layers).toHaveLength(2);
    expect(solved.base?.config.os).toBe("linux");
    const baseLayer = solved.ref.layers[0]!;
    expect(baseLayer.knownBlobs?.[0]?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    // Lazy: the base's compressed blob was not copied into our store.
    expect(await store.exists(baseLayer.knownBlobs![0]!.digest)).toBe(false);
  });

  it("picks each platform's manifest from a multi-platform base", async () => {
    const arm64 = { os: "linux", architecture: "arm64" };
    const multi = join(dir, "multi");
    await writeTestIndexLayout(
      [
        { dir: await baseLayout(amd64, "amd"), platform: amd64 },
        { dir: await baseLayout(arm64, "arm"), platform: arm64 },
      ],
      multi,
      "v1",
    );
    const s = await solver(store);
    const [forAmd, forArm] = await Promise.all([s.solve(image(`oci-layout://${multi}:v1`, amd64)), s.solve(image(`oci-layout://${multi}:v1`, arm64))]);
    expect(forAmd.base?.config.architecture).toBe("amd64");
    expect(forArm.base?.config.architecture).toBe("arm64");
    expect(forAmd.ref.layers[0]!.diffID).not.toBe(forArm.ref.layers[0]!.diffID);
    expect(forAmd.base?.warnings).toEqual([]);
  });

  it("reads a base image from an OCI archive tarball", async () => {
    const layout = await baseLayout();
    const archive = join(dir, "base.tar");
    const { execFileSync } = await import("node:child_process");
    execFileSync("tar", ["-C", layout, "-cf", archive, "."]);
    const solved = await (await solver(store)).solve(copy(scratch(), { from: image(`oci-archive://${archive}:v1`, amd64), sources: ["etc/os-release"], dest: "/copied", description: "COPY --from=archive" }));
    const chunks: Buffer[] = [];
    for await (const chunk of await solved.ref.layers[0]!.openTar({})) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("latin1")).toContain("ID=exp-test");
  });

  it("records the base image for cache export: its key resolves to its layers and their known blobs", async () => {
    const layout = await baseLayout();
    const s = await solver(store);
    const context = join(dir, "app-graph");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "app.js"), "1");
    const solved = await s.solve(copy(image(`oci-layout://${layout}:v1`, amd64), { from: local(context), sources: ["app.js"], dest: "/app/", description: "COPY app.js /app/" }));
    const nodes = await cacheGraph(new CacheRecords(store), [solved.cacheKey]);
    expect(nodes).toHaveLength(2);
    const top = nodes.find((n) => n.key === solved.cacheKey)!;
    expect(top.chain.map((c) => c.diffID)).toEqual(solved.ref.layers.map((l) => l.diffID));
    expect(top.chain[0]!.known?.digest).toBe(solved.ref.layers[0]!.knownBlobs![0]!.digest);
    expect(top.inputs).toHaveLength(1);
  });

  it("COPY --from the base image reads its files (and only then fetches the layer)", async () => {
    const layout = await baseLayout();
    const base = image(`oci-layout://${layout}:v1`, amd64);
    const solved = await (await solver(store)).solve(copy(scratch(), { from: base, sources: ["etc/os-release"], dest: "/copied", description: "COPY --from=base /etc/os-release /copied" }));
    const chunks: Buffer[] = [];
    for await (const chunk of await solved.ref.layers[0]!.openTar({})) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("latin1")).toContain("ID=exp-test");
    const baseBlob = (await (await solver(store)).solve(base)).ref.layers[0]!.knownBlobs![0]!;
    expect(await store.exists(baseBlob.digest)).toBe(true);
  });

  it("uses a single-platform base of another platform with a warning, as BuildKit does", async () => {
    const layout = await baseLayout();
    const solved = await (await solver(store)).solve(image(`oci-layout://${layout}:v1`, { os: "linux", architecture: "arm64" }));
    expect(solved.base?.warnings).toEqual([`oci-layout://${layout}:v1 is linux/amd64, not the requested linux/arm64; it is used as it is`]);
  });

  it("names the platforms an index has when the wanted one is missing", async () => {
    const layout = await baseLayout();
    // Wrap the single manifest in an index of one platform.
    const { readFile } = await import("node:fs/promises");
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
    const manifest = { ...index.manifests[0], platform: amd64, annotations: undefined };
    const { digestOf } = await import("@exp/oci-spec");
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [manifest] }));
    await writeFile(join(layout, "blobs", "sha256", digestOf(bytes).slice(7)), bytes);
    await writeFile(join(layout, "index.json"), JSON.stringify({ ...index, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: digestOf(bytes), size: bytes.length, annotations: { "org.opencontainers.image.ref.name": "v1" } }] }));
    const failure = await (await solver(store)).solve(image(`oci-layout://${layout}:v1`, { os: "linux", architecture: "arm64" })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PlatformNotFoundError);
    expect((failure as Error).message).toContain("it has: linux/amd64");
  });
});

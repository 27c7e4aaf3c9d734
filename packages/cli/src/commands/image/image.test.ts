import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { fixture, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;
/** The image ID `exp build -q` printed (the config digest) for app:1, kept under two names. */
let appId: string;

beforeEach(async () => {
  fx = await fixture();
  const app = await run(["build", fx.context, "-q", "-t", "app:1", "-t", "r.example/team/app:latest", "--root", fx.store]);
  expect(app.code).toBe(0);
  appId = app.stdout.trim();
  expect((await run(["build", fx.context, "-t", "multi:2", "--platform", "linux/amd64,linux/arm64", "--root", fx.store])).code).toBe(0);
});
afterEach(() => fx.cleanup());

const ls = async (...extra: string[]) => {
  const result = await run(["image", "ls", "--root", fx.store, ...extra]);
  expect(result).toMatchObject({ code: 0, stderr: "" });
  return result.stdout;
};
const names = async () => (await (await openContentStore(fx.store)).roots.list()).map((r) => r.name).filter((n) => n.startsWith("image/"));

describe("exp image ls", () => {
  it("lists every name the store keeps an image under, with docker's columns, newest first", async () => {
    const [header, ...rows] = (await ls()).trimEnd().split("\n");
    expect(header).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^multi\s+2\s+[0-9a-f]{12}\s+\d+ (?:seconds?|minutes?) ago\s+\d[\d.]*k?B$/);
    const short = appId.slice("sha256:".length, "sha256:".length + 12);
    expect(rows.slice(1).sort()).toEqual([expect.stringMatching(new RegExp(`^app\\s+1\\s+${short}\\s`)), expect.stringMatching(new RegExp(`^r\\.example/team/app\\s+latest\\s+${short}\\s`))]);
    // `exp images` and `exp image list` are the same command.
    expect(await run(["images", "--root", fx.store])).toMatchObject({ code: 0, stdout: await ls() });
    expect((await run(["image", "list", "-q", "--root", fx.store])).stdout.split("\n").filter(Boolean)).toHaveLength(3);
  });

  it("--format json gives names, IDs, digests, platforms and sizes", async () => {
    const images = JSON.parse(await ls("--format", "json")) as Array<Record<string, unknown>>;
    const multi = images.find((i) => i.repository === "multi")!;
    expect(multi).toMatchObject({ name: "docker.io/library/multi:2", tag: "2", mediaType: "application/vnd.oci.image.index.v1+json", platforms: ["linux/amd64", "linux/arm64"] });
    // A multi-platform image has no one config: its ID is the index digest.
    expect(multi.id).toBe(multi.digest);
    const app = images.find((i) => i.repository === "app")!;
    expect(app).toMatchObject({ name: "docker.io/library/app:1", id: appId, platforms: ["linux/amd64"], mediaType: "application/vnd.oci.image.manifest.v1+json" });
    expect(app.size).toBeGreaterThan(0);
    expect(typeof app.created).toBe("string");
  });
});

describe("exp image rm", () => {
  it("removes a name as docker normalizes it, printing Untagged, and keeps the image's other name", async () => {
    expect(await run(["image", "rm", "app:1", "--root", fx.store])).toEqual({ code: 0, stdout: "Untagged: app:1\n", stderr: "" });
    expect(await names()).toEqual(["image/docker.io/library/multi:2", "image/r.example/team/app:latest"]);
    expect(await run(["image", "remove", "docker.io/library/multi:2", "--root", fx.store])).toMatchObject({ code: 0, stdout: "Untagged: multi:2\n" });
  });

  it("refuses an unknown name, naming it and what the store has, and removes nothing", async () => {
    const before = await names();
    const result = await run(["image", "rm", "app:1", "app:2", "Bad:Name", "--root", fx.store]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    // The invalid name carries the reference parser's reason (its wording is @exp/registry's).
    expect(result.stderr).toMatch(/^ERROR: no such image in the store at \S+: "app:2", "Bad:Name" \(invalid image reference "Bad:Name": repository name must be lowercase; .*\); /);
    expect(result.stderr.endsWith("; the store has app:1, multi:2, r.example/team/app:latest; see exp image ls. Nothing was removed\n")).toBe(true);
    expect(await names()).toEqual(before);
  });

  it("removes by image ID: the only name, or with -f every name of it", async () => {
    const short = appId.slice("sha256:".length, "sha256:".length + 12);
    const twice = await run(["image", "rm", short, "--root", fx.store]);
    expect(twice).toMatchObject({ code: 1, stdout: "" });
    expect(twice.stderr).toBe(`ERROR: "${short}" is the image ${short}, kept under 2 names (app:1, r.example/team/app:latest); remove them by name, or pass -f to remove every name. Nothing was removed\n`);
    expect(await run(["image", "rm", "-f", short, "--root", fx.store])).toMatchObject({ code: 0, stdout: "Untagged: app:1\nUntagged: r.example/team/app:latest\n" });
    expect(await names()).toEqual(["image/docker.io/library/multi:2"]);
  });

  it("lets the next prune reclaim the image's blobs once nothing else holds them", async () => {
    const store = await openContentStore(fx.store);
    const root = (await store.roots.get("image/docker.io/library/multi:2"))!;
    expect((await run(["prune", "-a", "-f", "--root", fx.store])).code).toBe(0);
    expect(await store.exists(root.digest)).toBe(true);
    expect((await run(["image", "rm", "multi:2", "--root", fx.store])).code).toBe(0);
    expect(await store.exists(root.digest)).toBe(true);
    expect((await run(["prune", "-f", "--root", fx.store])).code).toBe(0);
    expect(await store.exists(root.digest)).toBe(false);
  });
});

describe("exp image ls of an image with attestations", () => {
  it("shows the config digest as its ID (what -q printed) and only its own platform, though its root is an index", async () => {
    // A user's environment: buildx's default provenance makes the stored image an index.
    const built = await run(["build", fx.context, "-q", "-t", "attested:1", "--root", fx.store], { env: { HOME: fx.dir } });
    expect(built.code).toBe(0);
    const images = JSON.parse(await ls("--format", "json")) as Array<Record<string, unknown>>;
    const attested = images.find((i) => i.repository === "attested")!;
    expect(attested).toMatchObject({ mediaType: "application/vnd.oci.image.index.v1+json", id: built.stdout.trim(), platforms: ["linux/amd64"] });
  });
});

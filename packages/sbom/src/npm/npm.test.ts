import { cpSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFsSource, walkContext, type FsSource } from "@exp/solver";
import { tempDir, type TempDir } from "@exp/testing";
import { scanFilesystem } from "../scan.js";
import type { SpdxDocument } from "../spdx/types.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";
import { isInstalledManifest } from "./npm-cataloger.js";

const created = new Date("2024-06-01T00:00:00Z");
const WORKSPACE_MODULES = join(__dirname, "../../../../node_modules");
const summary = (document: SpdxDocument) =>
  document.packages.filter((pkg) => pkg.externalRefs).map((pkg) => `${pkg.name} ${pkg.versionInfo} ${pkg.externalRefs?.[0]?.referenceLocator} ${pkg.licenseDeclared}`);

/** Counts what a scan reads, so a test can say it read manifests and nothing else. */
function counting(fs: FsSource): FsSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    list: (options) => fs.list(options),
    open: (path, options) => (reads.push(path), fs.open(path, options)),
    ...(fs.readFile ? { readFile: (path: string, options?: { signal?: AbortSignal }) => (reads.push(path), (fs.readFile as NonNullable<FsSource["readFile"]>)(path, options)) } : {}),
  };
}

describe("a real pnpm tree: a copy of ajv and @types/node from this workspace's node_modules/.pnpm", () => {
  let work: TempDir;
  let expected: string[];
  beforeAll(async () => {
    work = await tempDir("exp-sbom-npm-");
    const store = join(WORKSPACE_MODULES, ".pnpm");
    const ids = readdirSync(store);
    const ajv = ids.find((id) => /^ajv@8\./.test(id)) as string;
    const types = ids.find((id) => /^@types\+node@/.test(id)) as string;
    // ajv's dependencies are symlinks beside it to their own .pnpm folders: copy those too.
    const deps = readdirSync(join(store, ajv, "node_modules"))
      .filter((name) => name !== "ajv")
      .map((name) => readlinkSync(join(store, ajv, "node_modules", name)).split("/")[2] as string);
    const app = join(work.path, "app");
    for (const id of [ajv, types, ...deps]) cpSync(join(store, id), join(app, "node_modules/.pnpm", id), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(app, "node_modules/@types"), { recursive: true });
    symlinkSync(`.pnpm/${ajv}/node_modules/ajv`, join(app, "node_modules/ajv"));
    symlinkSync(`../.pnpm/${types}/node_modules/@types/node`, join(app, "node_modules/@types/node"));
    expected = [ajv, types, ...deps]
      .map((id) => {
        const name = id.startsWith("@") ? id.slice(0, id.indexOf("@", 1)).replace("+", "/") : id.slice(0, id.indexOf("@"));
        const manifest = JSON.parse(readFileSync(join(app, "node_modules/.pnpm", id, "node_modules", name, "package.json"), "utf8")) as { name: string; version: string; license: string };
        const [scope, bare] = manifest.name.startsWith("@") ? manifest.name.split("/") : [undefined, manifest.name];
        return `${manifest.name} ${manifest.version} pkg:npm/${scope ? `${encodeURIComponent(scope)}/` : ""}${bare}@${manifest.version} ${manifest.license}`;
      })
      .sort();
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  it("reports each installed package once, with its purl and licence, reading only their manifests", async () => {
    const fs = counting(contextFsSource(work.path, await walkContext(work.path)));
    const { document, warnings } = await scanFilesystem(fs, { name: "app", created, kind: "directory" });
    expect(warnings).toEqual([]);
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(summary(document).sort()).toEqual(expected);
    expect(expected.some((line) => line.startsWith("@types/node ") && line.includes("pkg:npm/%40types/node@"))).toBe(true);
    expect(fs.reads.filter((path) => !path.endsWith("/package.json"))).toEqual([]);
    expect(fs.reads).toHaveLength(expected.length);
  });
});

describe("the workspace's own node_modules (about 50 000 entries)", () => {
  it("scans in well under a second of CPU, reading only the packages' manifests", async () => {
    const entries = await walkContext(WORKSPACE_MODULES);
    expect(entries.length).toBeGreaterThan(40_000);
    const fs = counting(contextFsSource(WORKSPACE_MODULES, entries));
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { document, warnings } = await scanFilesystem(fs, { name: "node_modules", created, kind: "directory", catalogers: ["npm"] });
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(`node_modules: ${entries.length} entries, ${document.packages.length - 1} packages, ${fs.reads.length} files read, ${cpuMs.toFixed(0)} ms CPU, ${(performance.now() - started).toFixed(0)} ms`);
    expect(warnings.filter((warning) => !warning.message.startsWith("skipped: no "))).toEqual([]);
    const manifests = entries.filter((entry) => entry.type === "file" && isInstalledManifest(entry.path)).length;
    expect(fs.reads).toHaveLength(manifests);
    expect(manifests).toBeLessThan(entries.length / 20);
    expect(document.packages.length).toBeGreaterThan(300);
    expect(cpuMs).toBeLessThan(1000);
  });
});

describe("npm layouts, lockfiles and junk", () => {
  it("reads nested and scoped installs, not package.json files inside a package, and merges the same name@version", async () => {
    const fs = memoryFs({
      "app/package.json": JSON.stringify({ name: "my-app", version: "1.0.0", dependencies: { a: "^1" } }),
      "app/node_modules/a/package.json": JSON.stringify({ name: "a", version: "1.0.0", license: "MIT", author: { name: "Ann", email: "ann@example.org" }, description: "A" }),
      "app/node_modules/a/lib/package.json": JSON.stringify({ type: "module" }),
      "app/node_modules/a/node_modules/b/package.json": JSON.stringify({ name: "b", version: "2.0.0", license: { type: "ISC" } }),
      "app/node_modules/@s/c/package.json": JSON.stringify({ name: "@s/c", version: "3.0.0", licenses: [{ type: "MIT" }, { type: "Apache-2.0" }] }),
      "app/node_modules/@s/c/node_modules/b/package.json": JSON.stringify({ name: "b", version: "2.0.0", license: "ISC" }),
      "app/node_modules/d/package.json": JSON.stringify({ name: "d", version: "4.0.0", license: "(MIT OR Apache-2.0)", author: "Dee <dee@example.org> (https://dee.example.org)" }),
      "app/node_modules/broken/package.json": "{ not json",
      "app/node_modules/nameless/package.json": JSON.stringify({ version: "1.0.0" }),
      "app/node_modules/.package-lock.json": JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/zzz": { version: "9.9.9" } } }),
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "app", created, catalogers: ["npm"] });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(summary(document)).toEqual([
      "@s/c 3.0.0 pkg:npm/%40s/c@3.0.0 MIT AND Apache-2.0",
      "a 1.0.0 pkg:npm/a@1.0.0 MIT",
      "b 2.0.0 pkg:npm/b@2.0.0 ISC",
      "d 4.0.0 pkg:npm/d@4.0.0 MIT OR Apache-2.0",
    ]);
    expect(document.packages.find((pkg) => pkg.name === "b")?.sourceInfo).toBe("acquired package info from installed node module manifest file: /app/node_modules/@s/c/node_modules/b/package.json, /app/node_modules/a/node_modules/b/package.json");
    expect(document.packages.find((pkg) => pkg.name === "a")).toMatchObject({ originator: "Person: Ann (ann@example.org)", description: "A" });
    expect(document.packages.find((pkg) => pkg.name === "d")?.originator).toBe("Person: Dee (dee@example.org)");
    expect(warnings).toEqual([
      { path: "app/node_modules/broken/package.json", cataloger: "npm", message: expect.stringMatching(/^skipped: not JSON/) },
      { path: "app/node_modules/nameless/package.json", cataloger: "npm", message: "skipped: no name" },
    ]);
  });

  it("reads package-lock.json v3 and v1 without development dependencies or workspace links", async () => {
    const v3 = {
      name: "svc",
      lockfileVersion: 3,
      packages: {
        "": { name: "svc", version: "1.0.0" },
        "node_modules/express": { version: "4.18.2", license: "MIT", resolved: "https://registry.npmjs.org/express/-/express-4.18.2.tgz" },
        "node_modules/@babel/core": { version: "7.21.4", dev: true, license: "MIT" },
        "node_modules/express/node_modules/debug": { version: "2.6.9", license: "MIT" },
        "node_modules/local": { resolved: "packages/local", link: true },
        "packages/local": { name: "local", version: "0.0.1" },
      },
    };
    const v1 = { lockfileVersion: 1, dependencies: { lodash: { version: "4.17.21" }, jest: { version: "29.0.0", dev: true }, q: { version: "1.5.1", dependencies: { inner: { version: "0.1.0" } } } } };
    const fs = memoryFs({ "srv/package-lock.json": JSON.stringify(v3), "old/npm-shrinkwrap.json": JSON.stringify(v1), "bad/package-lock.json": "[]" });
    const { document, warnings } = await scanFilesystem(fs, { name: "svc", created, catalogers: ["npm"] });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(summary(document)).toEqual([
      "debug 2.6.9 pkg:npm/debug@2.6.9 MIT",
      "express 4.18.2 pkg:npm/express@4.18.2 MIT",
      "inner 0.1.0 pkg:npm/inner@0.1.0 NOASSERTION",
      "lodash 4.17.21 pkg:npm/lodash@4.17.21 NOASSERTION",
      "q 1.5.1 pkg:npm/q@1.5.1 NOASSERTION",
    ]);
    expect(warnings).toEqual([{ path: "bad/package-lock.json", cataloger: "npm", message: "skipped: not a JSON object" }]);
  });

  it("tells installed manifests from other package.json files by their path alone", () => {
    expect(["node_modules/a/package.json", "x/node_modules/@s/b/package.json", "node_modules/.pnpm/a@1/node_modules/a/package.json"].every(isInstalledManifest)).toBe(true);
    expect(["package.json", "app/package.json", "node_modules/a/lib/package.json", "node_modules/@s/package.json", "node_modules/@s/b/x/package.json"].some(isInstalledManifest)).toBe(false);
  });
});

import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWIFT_TOOLS, skipUnlessTools, startS3, startVerdaccio, tempDir, testCacheDir, umociUnpack, type TempDir, type TestS3, type TestVerdaccio } from "@exp/testing";
import { makeConsumer, type Consumer, type PackageManager } from "./support/consumer.js";
import { makeReleaseCopy, unbuiltPackages, type ReleaseCopy } from "./support/release-copy.js";
import { run, runOk, userEnv } from "./support/run.js";
import { manifestTargets, packument, publishedTarball, unexpectedFiles } from "./support/tarball.js";
import { bumpVersion, listPackages, releasePlan, repoRoot, type Bump, type WorkspacePackage } from "./support/workspace.js";

/**
 * Issue 12: the packages as a user gets them. The release flow (changesets) publishes every public
 * package to a private registry (Verdaccio); empty projects outside the workspace install from it
 * with npm and with pnpm, and build. The steps share one registry and build on each other, in order.
 */

const SCOPES = ["@exp", "@acme"] as const;
const PLUGIN = "@acme/exp-exporter-demo";
const BUCKET = "exp-release-cache";
const MANAGERS: readonly PackageManager[] = ["npm", "pnpm"];
/** The package the independent-versions step gives a changeset: one a consumer has installed. */
const PATCHED = "@exp/exporter-oci";
/** The package the last step gives a minor: one that other packages depend on. */
const SHARED = "@exp/image-writer";

let work: TempDir;
let registry: TestVerdaccio;
/** Started in beforeAll, awaited by the S3 step. */
let s3Started: Promise<TestS3> | undefined;
let copy: ReleaseCopy;
/** The copy's packages after the first `changeset version`: what was released. */
let released: WorkspacePackage[];
let context: string;
const consumers = new Map<PackageManager, Consumer>();

const isPublic = (p: WorkspacePackage) => !p.manifest.private;
const versionOf = (name: string) => released.find((p) => p.manifest.name === name)!.manifest.version;

function consumer(manager: PackageManager): Consumer {
  const found = consumers.get(manager);
  if (!found) throw new Error(`the ${manager} consumer was not set up (its first step failed)`);
  return found;
}

/**
 * `step` for npm and for pnpm at once (their work is in child processes, and vitest gives this
 * project one worker: the second core is otherwise idle). Fails with every manager's failure.
 */
async function eachManager(step: (manager: PackageManager) => Promise<void>): Promise<void> {
  const outcomes = await Promise.allSettled(MANAGERS.map(step));
  const failures = outcomes.flatMap((outcome, i) => (outcome.status === "rejected" ? [`with ${MANAGERS[i]}: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`] : []));
  if (failures.length > 0) throw new Error(failures.join("\n\n"));
}

/** Exit code 0, and the command's output in the failure message when not. */
function expectSuccess(outcome: { code: number; stdout: string; stderr: string }): void {
  expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
}

describe.skipIf(skipUnlessTools("git", "tar", "skopeo", "umoci", ...SWIFT_TOOLS))("a release, installed as a user would", () => {
  beforeAll(async () => {
    const checkout = await listPackages(repoRoot);
    const unbuilt = unbuiltPackages(repoRoot, checkout);
    if (unbuilt.length > 0) throw new Error(`the release test publishes the built packages: run \`pnpm build\` first (${unbuilt.join("; ")})`);
    work = await tempDir("exp-release-");
    const env = { ...process.env, NODE_OPTIONS: "" };
    // Swift takes ~5 s to start and is needed only by the S3 step: it starts while the release runs.
    s3Started = startS3({ bucket: BUCKET });
    s3Started.catch(() => {}); // its failure is the S3 step's, reported there
    const [startedRegistry, madeCopy] = await Promise.allSettled([startVerdaccio(), makeReleaseCopy(repoRoot, join(work.path, "repo"), env)]);
    if (startedRegistry.status === "rejected" || madeCopy.status === "rejected") {
      if (startedRegistry.status === "fulfilled") await startedRegistry.value.stop();
      throw [startedRegistry, madeCopy].flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []))[0];
    }
    [registry, copy] = [startedRegistry.value, madeCopy.value];
    await copy.version();
    released = await copy.packages();
    await copy.publish(registry.url, registry.authLine);

    context = join(work.path, "context");
    await mkdir(context);
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY hello.txt /\n");
    await writeFile(join(context, "hello.txt"), "hello from a released exp\n");
  });

  afterAll(async () => {
    await Promise.all([registry?.stop(), s3Started?.then((server) => server.stop(), () => {})]);
    await work?.cleanup();
  });

  it("changeset version, then publish: every public package is in the registry at its released version, nothing private is", async () => {
    const publicNames = released.filter(isPublic).map((p) => p.manifest.name);
    expect(publicNames).toContain("@exp/cli");
    expect(publicNames).toContain("@exp/exporter-oci");
    for (const p of released) {
      const doc = await packument(registry.url, p.manifest.name);
      if (p.manifest.private) expect(doc, `${p.manifest.name} is private`).toBeUndefined();
      else expect(doc?.["dist-tags"].latest, p.manifest.name).toBe(p.manifest.version);
    }
  });

  it("each published tarball holds only package.json, README, CHANGELOG, LICENSE and dist/, and its exports, types and bin resolve inside it", async () => {
    const dir = join(work.path, "tarballs");
    await mkdir(dir);
    const versions = Object.fromEntries(released.map((p) => [p.manifest.name, p.manifest.version]));
    const problems: string[] = [];
    await Promise.all(
      released.filter(isPublic).map(async ({ dir: packageDir, manifest }) => {
        const { files, manifest: packed } = await publishedTarball(registry.url, manifest.name, manifest.version, dir);
        const say = (what: string) => problems.push(`${manifest.name}: ${what}`);
        const extra = unexpectedFiles(files);
        if (extra.length > 0) say(`files a user does not need: ${extra.join(", ")}`);
        for (const needed of ["package.json", "README.md", "LICENSE"]) if (!files.includes(needed)) say(`no ${needed}`);
        // changeset version wrote one for every package it released; none may be left out of the tarball.
        if ((await readFile(join(copy.dir, packageDir, "CHANGELOG.md")).catch(() => undefined)) && !files.includes("CHANGELOG.md")) say("no CHANGELOG.md");
        if (!files.some((f) => f.startsWith("dist/") && f.endsWith(".d.ts"))) say("no types in dist/");
        for (const target of manifestTargets(packed)) if (!files.includes(target)) say(`package.json points at ${target}, which is not in the tarball`);
        // pnpm publish turned the workspace's ranges into real ones, on the released versions.
        for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"] as const) {
          for (const [dep, range] of Object.entries(packed[field] ?? {})) {
            if (/^(workspace|catalog):/.test(range)) say(`${field} ${dep}: ${range} was published as is`);
            const source = manifest[field]?.[dep];
            if (source?.startsWith("workspace:") && field !== "devDependencies") {
              const expected = { "workspace:^": `^${versions[dep]}`, "workspace:~": `~${versions[dep]}`, "workspace:*": versions[dep] }[source];
              if (range !== expected) say(`${field} ${dep}: ${range}, expected ${expected} (from ${source})`);
            }
          }
        }
      }),
    );
    expect(problems).toEqual([]);
  });

  it("with npm and with pnpm, an empty project installs @exp/cli and @exp/exporter-oci alone from the registry, and exp builds an OCI archive that skopeo and umoci read back", async () => {
    await eachManager(async (manager) => {
      const cacheDir = join(await testCacheDir(), manager === "npm" ? "npm-cache" : "pnpm");
      const home = join(work.path, `${manager}-home`);
      await mkdir(home);
      const project = await makeConsumer(manager, join(work.path, `${manager}-project`), { registryUrl: registry.url, scopes: SCOPES, cacheDir, home });
      await project.add("@exp/cli", "@exp/exporter-oci");
      consumers.set(manager, project);

      // Only what a `type=oci` user needs: no other exporter, no cache backend.
      const installed = await project.installed("@exp");
      expect(installed["@exp/cli"]).toBe(versionOf("@exp/cli"));
      expect(installed["@exp/exporter-oci"]).toBe(versionOf("@exp/exporter-oci"));
      expect(Object.keys(installed).filter((name) => /^@exp\/(exporter|cache)-/.test(name))).toEqual(["@exp/exporter-oci"]);

      const out = join(project.dir, "out.tar");
      expectSuccess(await project.exp("build", context, "-t", "release:1", "-o", `type=oci,dest=${out}`, "--progress", "plain"));
      const env = userEnv(project.dir);
      const image = JSON.parse((await runOk("skopeo", ["inspect", `oci-archive:${out}`], { cwd: project.dir, env })).stdout) as { Layers: string[]; Os: string; Architecture: string };
      expect(image).toMatchObject({ Os: "linux", Architecture: "amd64" });
      expect(image.Layers).toHaveLength(1);
      const layout = join(project.dir, "layout");
      await mkdir(layout);
      await runOk("tar", ["-xf", out, "-C", layout], { cwd: project.dir, env });
      const rootfs = await umociUnpack(`${layout}:1`, join(project.dir, "bundle"));
      expect(await readFile(join(rootfs, "hello.txt"), "utf8")).toBe("hello from a released exp\n");
    });
  });

  it("a global npm install (npm i -g @exp/cli @exp/exporter-oci, a prefix of its own): exp finds the exporter beside itself from any directory, and advises a global install of what is missing", async () => {
    const home = join(work.path, "global-home");
    await mkdir(home);
    // The user's own npm config (HOME/.npmrc), as for a global install there is no project.
    const scoped = SCOPES.map((scope) => `${scope}:registry=${registry.url}`);
    await writeFile(join(home, ".npmrc"), [...scoped, `cache=${join(await testCacheDir(), "npm-cache")}`, "prefer-offline=true", "fund=false", "audit=false", "update-notifier=false", ""].join("\n"));
    const env = userEnv(home);
    const prefix = join(work.path, "global-prefix");
    await runOk("npm", ["install", "--global", "--prefix", prefix, "@exp/cli", "@exp/exporter-oci"], { cwd: home, env });
    const elsewhere = join(work.path, "global-cwd");
    await mkdir(elsewhere);
    const exp = (...args: string[]) => run(join(prefix, "bin", "exp"), args, { cwd: elsewhere, env: { ...env, EXP_ROOT: join(elsewhere, ".exp") }, timeoutMs: 60_000 });
    expectSuccess(await exp("build", context, "-o", `type=oci,dest=${join(elsewhere, "out.tar")}`, "--progress", "plain"));
    const missing = await exp("build", context, "-o", `type=local,dest=${join(elsewhere, "out")}`, "--progress", "plain");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('output type "local" needs the package @exp/exporter-local, which is not installed: install it (npm i -g @exp/exporter-local)');
  });

  it("--cache-to type=s3 names @exp/cache-s3 and the command of the package manager that installed exp; once installed, the cache lands in the real S3", async () => {
    const s3 = await s3Started!;
    await eachManager(async (manager) => {
      const project = consumer(manager);
      const cacheTo = `type=s3,bucket=${BUCKET},region=${s3.region},endpoint_url=${s3.endpoint},use_path_style=true,access_key_id=${s3.accessKeyId},secret_access_key=${s3.secretAccessKey},name=${manager},mode=max`;
      const build = () => project.exp("build", context, "-o", `type=oci,dest=${join(project.dir, "cached.tar")}`, "--cache-to", cacheTo, "--progress", "plain");

      const refused = await build();
      expect(refused.code).not.toBe(0);
      const command = manager === "npm" ? "npm i @exp/cache-s3" : "pnpm add @exp/cache-s3";
      expect(refused.stderr).toContain(`cache type "s3" (--cache-to) needs the package @exp/cache-s3, which is not installed: install it (${command})`);
      // The secret is never printed, not even in the error that quotes the option.
      expect(refused.stderr + refused.stdout).not.toContain(`secret_access_key=${s3.secretAccessKey}`);

      await project.add("@exp/cache-s3");
      expect((await project.installed("@exp"))["@exp/cache-s3"]).toBe(versionOf("@exp/cache-s3"));
      expectSuccess(await build());

      // BuildKit's S3 layout: the cache config at manifests/<name>, every layer it names at blobs/<digest>.
      const manifest = await s3.request("GET", `/${BUCKET}/manifests/${manager}`);
      expect(manifest.status).toBe(200);
      const config = JSON.parse(manifest.body.toString("utf8")) as { layers: Array<{ blob: string }> };
      expect(config.layers.length).toBeGreaterThan(0);
      for (const { blob } of config.layers) expect((await s3.request("HEAD", `/${BUCKET}/blobs/${blob}`)).status, blob).toBe(200);
    });
  });

  it("every @exp package of the npm install loads through import() (ESM) and require() (CommonJS), and both builds export the same names", async () => {
    const project = consumer("npm");
    const names = Object.keys(await project.installed("@exp"));
    expect(names).toContain("@exp/cache-s3");
    // A user's script in the project: plain node, no loader, no conditions.
    const script = `
      const { createRequire } = require("node:module");
      const { readFileSync } = require("node:fs");
      const names = ${JSON.stringify(names)};
      (async () => {
        const report = {};
        for (const name of names) {
          const esm = Object.keys(await import(name)).filter((k) => k !== "default").sort();
          const cjs = Object.keys(require(name)).sort();
          report[name] = { esm, cjs };
        }
        console.log(JSON.stringify(report));
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    await writeFile(join(project.dir, "load-all.cjs"), script);
    const { stdout } = await runOk(process.execPath, ["load-all.cjs"], { cwd: project.dir, env: userEnv(project.dir) });
    const report = JSON.parse(stdout) as Record<string, { esm: string[]; cjs: string[] }>;
    for (const name of names) {
      expect(report[name]!.esm.length, `${name} exports something`).toBeGreaterThan(0);
      expect(report[name]!.cjs, `${name}: the CommonJS build exports what the ESM build does`).toEqual(report[name]!.esm);
    }
  });

  it("a third-party plugin, published from its own directory against the released @exp/solver, is an output type for both installs", async () => {
    const pluginDir = join(work.path, "plugin");
    await cp(join(repoRoot, "release", "fixtures", "exp-exporter-demo"), pluginDir, { recursive: true });
    const manifestPath = join(pluginDir, "package.json");
    const manifest = await readFile(manifestPath, "utf8");
    await writeFile(manifestPath, manifest.replace("SOLVER_RANGE", `^${versionOf("@exp/solver")}`));
    const home = join(work.path, "plugin-home");
    await mkdir(home);
    // Its author's .npmrc: the @exp and @acme scopes from the private registry, and the publish token.
    await writeFile(join(pluginDir, ".npmrc"), `${SCOPES.map((s) => `${s}:registry=${registry.url}`).join("\n")}\n${registry.authLine}\n`);
    await runOk("npm", ["publish"], { cwd: pluginDir, env: userEnv(home) });
    const published = await packument(registry.url, PLUGIN);
    expect(published?.versions["1.0.0"]?.dependencies).toEqual({ "@exp/solver": `^${versionOf("@exp/solver")}` });

    await eachManager(async (manager) => {
      const project = consumer(manager);
      await project.add(PLUGIN);
      // The plugin's @exp/solver is the released one, from the private registry (the only place that has it).
      expect((await project.installed("@exp"))["@exp/solver"]).toBe(versionOf("@exp/solver"));
      const dest = join(project.dir, "layers.json");
      const outcome = await project.exp("build", context, "-o", `type=${PLUGIN},dest=${dest}`, "-o", `type=oci,dest=${join(project.dir, "both.tar")}`, "--progress", "plain");
      expectSuccess(outcome);
      const list = JSON.parse(await readFile(dest, "utf8")) as { exporter: string; platforms: Array<{ platform: unknown; diffIDs: string[] }> };
      expect(list.exporter).toBe(PLUGIN);
      expect(list.platforms).toHaveLength(1);
      expect(list.platforms[0]!.platform).toEqual({ os: "linux", architecture: "amd64" });
      // The same layer the OCI exporter wrote, by its diffID.
      const config = JSON.parse((await runOk("skopeo", ["inspect", "--config", `oci-archive:${join(project.dir, "both.tar")}`], { cwd: project.dir, env: userEnv(project.dir) })).stdout) as {
        rootfs: { diff_ids: string[] };
      };
      expect(list.platforms[0]!.diffIDs).toEqual(config.rootfs.diff_ids);
    });
  });

  it(`a changeset for ${PATCHED} (patch) releases just what changesets' rule says (here: it alone), nothing else; both installs upgrade just that package`, async () => {
    const { plan, after } = await releaseOne(PATCHED, "patch");
    // With the workspace's `workspace:^` ranges a patch stays in every dependent's range.
    expect([...plan.keys()]).toEqual([PATCHED]);

    const output = await copy.publish(registry.url, registry.authLine);
    for (const p of after.filter(isPublic)) {
      const doc = await packument(registry.url, p.manifest.name);
      expect(doc?.["dist-tags"].latest, p.manifest.name).toBe(p.manifest.version);
      // Published again only if released: the others still have their first version alone.
      expect(Object.keys(doc?.versions ?? {}), `${p.manifest.name} (publish output:\n${output})`).toHaveLength(plan.has(p.manifest.name) ? 2 : 1);
    }

    const newVersion = after.find((p) => p.manifest.name === PATCHED)!.manifest.version;
    await eachManager(async (manager) => {
      const project = consumer(manager);
      const installedBefore = await project.installed("@exp");
      await project.update(PATCHED);
      expect(await project.installed("@exp")).toEqual({ ...installedBefore, [PATCHED]: newVersion });
      expectSuccess(await project.exp("build", context, "-o", `type=oci,dest=${join(project.dir, "upgraded.tar")}`, "--progress", "plain"));
    });
  });

  it(`a minor of ${SHARED} releases it and the dependents whose ^0.y range it leaves, and nothing else`, async () => {
    const { plan } = await releaseOne(SHARED, "minor");
    expect(plan.get(SHARED)).toBe("minor");
    // Its dependents move with it (a patch each); theirs do not, a patch staying in their ranges.
    const dependents = released.filter((p) => p.manifest.dependencies?.[SHARED]).map((p) => p.manifest.name);
    expect(dependents.length).toBeGreaterThan(0);
    expect([...plan.keys()].sort()).toEqual([SHARED, ...dependents].sort());
  });
});

/**
 * Adds a changeset giving `name` a `bump` to the release copy and runs `changeset version`: the
 * packages whose version changed are exactly those changesets' rule (releasePlan) names, each by
 * its bump, and the only files changed are their package.json and CHANGELOG.md and the consumed
 * changeset.
 */
async function releaseOne(name: string, bump: Bump): Promise<{ plan: Map<string, Bump>; after: WorkspacePackage[] }> {
  const before = await copy.packages();
  const config = JSON.parse(await readFile(join(copy.dir, ".changeset", "config.json"), "utf8")) as { ignore: string[]; updateInternalDependencies: string };
  expect(config.updateInternalDependencies).toBe("patch");
  const ignored = (pkg: string) => config.ignore.some((pattern) => (pattern.endsWith("*") ? pkg.startsWith(pattern.slice(0, -1)) : pkg === pattern));
  const plan = releasePlan(before, name, bump, ignored);

  const id = `release-test-${bump}`;
  await copy.addChangeset(id, { [name]: bump }, `A ${bump} of one package (the release test).`);
  await copy.version();
  const after = await copy.packages();
  const versionBefore = new Map(before.map((p) => [p.manifest.name, p.manifest.version]));
  const changed = after.filter((p) => p.manifest.version !== versionBefore.get(p.manifest.name));
  expect(changed.map((p) => p.manifest.name).sort()).toEqual([...plan.keys()].sort());
  for (const p of changed) expect(p.manifest.version, p.manifest.name).toBe(bumpVersion(versionBefore.get(p.manifest.name)!, plan.get(p.manifest.name)!));
  expect(await copy.lastVersionChanges()).toEqual([`.changeset/${id}.md`, ...changed.flatMap((p) => [`${p.dir}/CHANGELOG.md`, `${p.dir}/package.json`])].sort());
  return { plan, after };
}

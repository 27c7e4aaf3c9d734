import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The example as a user gets it: built to JS (tsup) and loaded by the BUILT exp (packages/cli's
 * dist) in a plain `node` process, without tsx and without the "@exp/source" condition that
 * points workspace packages at their TypeScript sources. Before the example had a build, its
 * package.json pointed at src/index.ts and this failed with `Unknown file extension ".ts"`.
 */

const run = promisify(execFile);
const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const cliDir = join(repoRoot, "packages", "cli");
const pluginName = "@exp/example-custom-exporter";

interface Manifest {
  name: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
}

let tmp: string;
let context: string;
let cliManifest: Manifest;
/** packages/cli's built bin, run in place: the plugin is found through the cli's node_modules (its devDependency link). */
let workspaceBin: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node <bin> <args>` with a minimal environment: no NODE_OPTIONS (tsx, conditions) from the test runner, no EXP_ROOT. */
async function exp(bin: string, args: readonly string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** `exp build` of the tiny FROM scratch context into a fresh store, with this plugin as the output. */
function build(bin: string, cwd: string, type: string, dest: string): Promise<Outcome> {
  return exp(bin, ["build", context, "--root", join(cwd, ".store"), "--progress", "plain", "--metadata-file", `${dest}.metadata.json`, "-o", `type=${type},dest=${dest}`], cwd);
}

/**
 * Installs the built exp as npm would into `nodeModules`: a copy of the package (so Node sees it
 * at this path, not at packages/cli, and resolves imports from here) whose dependencies are linked
 * to the workspace's builds. Only its dependencies: not the example, a devDependency of the cli.
 * Returns the path of its `exp` bin.
 */
async function installCli(nodeModules: string): Promise<string> {
  const dir = join(nodeModules, "@exp", "cli");
  await mkdir(dir, { recursive: true });
  await cp(join(cliDir, "package.json"), join(dir, "package.json"));
  await cp(join(cliDir, "dist"), join(dir, "dist"), { recursive: true });
  for (const name of Object.keys(cliManifest.dependencies)) {
    await linkPackage(join(dir, "node_modules"), name, await realpath(join(cliDir, "node_modules", name)));
  }
  return join(dir, cliManifest.bin.exp!);
}

async function linkPackage(nodeModules: string, name: string, target: string): Promise<void> {
  const path = join(nodeModules, name);
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path, "dir");
}

async function project(name: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function expectReport(outcome: Outcome, dest: string): Promise<void> {
  expect(outcome.stderr).not.toContain("ERROR");
  expect(outcome.code).toBe(0);
  expect(outcome.stderr).toMatch(new RegExp(`exported:\\n  ${pluginName} `));
  const bytes = await readFile(dest);
  const report = JSON.parse(bytes.toString("utf8"));
  const metadata = JSON.parse(await readFile(`${dest}.metadata.json`, "utf8"));
  expect(report.build).toBe(metadata["exp.build.ref"]);
  expect(metadata["layer-report.digest"]).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
  expect(report.platforms).toHaveLength(1);
  expect(report.platforms[0].platform).toEqual({ os: "linux", architecture: "amd64" });
  // FROM scratch + one COPY: one layer, gzip by default.
  expect(report.platforms[0].layers).toHaveLength(1);
  expect(report.platforms[0].layers[0]).toMatchObject({ diffID: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), blob: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), compression: "gzip" });
}

beforeAll(async () => {
  cliManifest = JSON.parse(await readFile(join(cliDir, "package.json"), "utf8")) as Manifest;
  workspaceBin = join(cliDir, cliManifest.bin.exp!);
  // The example is what is under test: always built, as `pnpm --filter @exp/example-custom-exporter build` does.
  await run("pnpm", ["run", "build"], { cwd: exampleDir });
  // The CLI and the packages it imports: their existing dist is reused when it runs (a full
  // build takes minutes); a checkout that was never built gets one.
  const probe = await run(process.execPath, [workspaceBin, "--version"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }).then(
    () => true,
    () => false,
  );
  if (!probe) await run("pnpm", ["exec", "turbo", "run", "build", "--filter=@exp/cli...", "--output-logs=errors-only"], { cwd: repoRoot });

  tmp = await realpath(await mkdtemp(join(tmpdir(), "exp-built-plugin-")));
  context = join(tmp, "ctx");
  await mkdir(context);
  await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY hello.txt /\n");
  await writeFile(join(context, "hello.txt"), "hello\n");
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("the example built to JS, loaded by the built exp", () => {
  it("points every runtime condition of its exports at dist, only @exp/source at src", async () => {
    const manifest = JSON.parse(await readFile(join(exampleDir, "package.json"), "utf8")) as Manifest & { files: string[] };
    expect(manifest.exports).toEqual({
      ".": {
        "@exp/source": "./src/index.ts",
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      },
      "./package.json": "./package.json",
    });
    expect(manifest.files).toEqual(["dist"]);
  });

  it("the workspace's built CLI: node packages/cli/dist/bin.js build -o type=@exp/example-custom-exporter,dest=…", async () => {
    const cwd = await project("workspace");
    await expectReport(await build(workspaceBin, cwd, pluginName, join(cwd, "report.json")), join(cwd, "report.json"));
  });

  it("exp and the plugin installed in one project (npm i @exp/cli <plugin>; npx exp …): found from exp's own installation", async () => {
    const cwd = await project("project");
    const bin = await installCli(join(cwd, "node_modules"));
    await linkPackage(join(cwd, "node_modules"), pluginName, exampleDir);
    // A relative dest is relative to the working directory.
    const outcome = await build(bin, cwd, pluginName, "report.json");
    expect(outcome.stderr).toContain(`exported:\n  ${pluginName}  written to report.json\n`);
    await expectReport(outcome, join(cwd, "report.json"));
  });

  it("exp installed elsewhere (globally), the plugin in the project: found from the working directory, walking up", async () => {
    const bin = await installCli(join(await project("global"), "lib", "node_modules"));
    const root = await project("app");
    await linkPackage(join(root, "node_modules"), pluginName, exampleDir);
    const cwd = await project("app/sub/dir");
    await expectReport(await build(bin, cwd, pluginName, join(cwd, "report.json")), join(cwd, "report.json"));
    // The same exp run where no node_modules has the plugin: not found.
    const elsewhere = await project("elsewhere");
    const missing = await build(bin, elsewhere, pluginName, join(elsewhere, "report.json"));
    expect(missing.code).toBe(1);
    // exp installed globally (npm's layout), run from outside its prefix: the advice is a global install.
    expect(missing.stderr).toContain(`output type "${pluginName}" needs the package ${pluginName}, which is not installed: install it (npm i -g ${pluginName})`);
  });

  it("a plugin that is not installed: the install advice, exit 1", async () => {
    const cwd = await project("not-installed");
    const outcome = await build(workspaceBin, cwd, "@exp-test/not-installed", join(cwd, "report.json"));
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('ERROR: output type "@exp-test/not-installed" needs the package @exp-test/not-installed, which is not installed: install it (pnpm add @exp-test/not-installed) or use one of image, registry, oci, docker, local, tar');
    expect(outcome.stderr).not.toContain("Unknown file extension");
  });

  it("an installed plugin that was never built (this package.json, sources, no dist): never its .ts sources", async () => {
    // The example's own manifest under another name (the real one is built and exp would find it first).
    const name = "@exp-test/unbuilt-exporter";
    const manifest = JSON.parse(await readFile(join(exampleDir, "package.json"), "utf8")) as Manifest;
    const packageFiles = async (nodeModules: string) => {
      const dir = join(nodeModules, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "package.json"), JSON.stringify({ ...manifest, name }, null, 2));
      await cp(join(exampleDir, "src"), join(dir, "src"), { recursive: true });
    };

    // Found from the working directory (exp installed elsewhere): its dist is missing, so the package is not there.
    const bin = await installCli(join(await project("global-2"), "lib", "node_modules"));
    const app = await project("unbuilt-app");
    await packageFiles(join(app, "node_modules"));
    const fromCwd = await build(bin, app, name, join(app, "report.json"));
    expect(fromCwd.code).toBe(1);
    expect(fromCwd.stderr).toContain(`output type "${name}" needs the package ${name}, which is not installed: install it (npm i -g ${name})`);
    expect(fromCwd.stderr).not.toContain("Unknown file extension");

    // Next to exp (Node's own resolution): found, and the missing file is named.
    const sibling = await project("unbuilt-project");
    const siblingBin = await installCli(join(sibling, "node_modules"));
    await packageFiles(join(sibling, "node_modules"));
    const fromExp = await build(siblingBin, sibling, name, join(sibling, "report.json"));
    expect(fromExp.code).toBe(1);
    expect(fromExp.stderr).toContain(`output type "${name}": package ${name} was found but could not be loaded: Cannot find module '${join(sibling, "node_modules", name, "dist", "index.js")}'`);
    expect(fromExp.stderr).not.toContain("Unknown file extension");
  });
});

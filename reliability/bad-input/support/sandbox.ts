import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "@exp/cli";

/**
 * One case's world: a build context, a store, and the destinations a previous good build left,
 * two levels below the root so that a "../.." escaping a destination still lands inside the
 * sandbox, where the before/after snapshot sees it.
 */
export interface Sandbox {
  /** Everything the case may touch; snapshotted before and after (but for `store/` and `fresh/`). */
  root: string;
  context: string;
  store: string;
  /** Where cases that succeed (sanitising their input) write; left out of the snapshot. */
  fresh: string;
  /** Outputs of a previous good build, which a failing case must leave byte for byte. */
  dest: {
    /** `-o type=local` directory. */
    local: string;
    /** `-o type=oci` archive. */
    archive: string;
    /** `-o type=oci,tar=false` layout directory. */
    layout: string;
    /** `--cache-to type=local` directory. */
    cache: string;
    /** `--metadata-file`. */
    metadata: string;
  };
  /** An absolute path outside the sandbox that must never come to exist (cases aim escapes at it). */
  canary: string;
  path(...parts: string[]): string;
}

export interface RunResult {
  exit: number;
  stdout: string;
  stderr: string;
  /** The final `ERROR: ...` line's message (exit 1). */
  message?: string;
  /** The `code:` line EXP_DEBUG adds (exit 1). */
  code?: string;
}

export const defaultDockerfile = "FROM scratch\nCOPY a.txt /\nCOPY app /app\n";

/** Runs `exp` in-process in the sandbox: cwd is the sandbox, EXP_DEBUG prints the error code, `--root` is the sandbox's store. */
export async function runExp(sb: Sandbox, argv: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const full = argv[0] === "build" && !argv.includes("--root") ? [...argv, "--root", sb.store] : [...argv];
  const exit = await runCli(full, {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    env: { HOME: sb.root, EXP_DEBUG: "1", ...env },
    cwd: sb.root,
    isTTY: false,
  });
  const message = [...stderr.matchAll(/^ERROR: (.*)$/gm)].at(-1)?.[1];
  const code = /^code: (\S+)$/m.exec(stderr)?.[1];
  return { exit, stdout, stderr, ...(message === undefined ? {} : { message }), ...(code === undefined ? {} : { code }) };
}

let template: Promise<string> | undefined;
let templateDir: string | undefined;

/** Removes this worker's previous-outputs template, once its cases are done. */
export async function removePreviousOutputs(): Promise<void> {
  if (templateDir) await rm(templateDir, { recursive: true, force: true });
  template = undefined;
  templateDir = undefined;
}

/**
 * The outputs of one good build, made once per worker and copied into every sandbox: a local
 * export, an OCI archive and layout, a local cache and a metadata file, each as exp writes them.
 */
function previousOutputs(): Promise<string> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "exp-bad-template-"));
    templateDir = dir;
    const sb = await bareSandbox(dir);
    const out = join(dir, "out");
    const result = await runExp(sb, [
      "build",
      sb.context,
      "-o",
      `type=local,dest=${join(out, "local")}`,
      "-o",
      `type=oci,dest=${join(out, "image.tar")},name=r.example/previous:1`,
      "-o",
      `type=oci,tar=false,dest=${join(out, "layout")}`,
      "--cache-to",
      `type=local,dest=${join(out, "cache")},mode=max`,
      "--metadata-file",
      join(out, "metadata.json"),
    ]);
    if (result.exit !== 0) throw new Error(`the template build failed: ${result.stderr}`);
    await writeFile(join(out, "local", "previous.txt"), "from an earlier export\n");
    return out;
  })();
  return template;
}

async function bareSandbox(root: string, dockerfile = defaultDockerfile): Promise<Sandbox> {
  const context = join(root, "ctx");
  await mkdir(join(context, "app"), { recursive: true });
  await writeFile(join(context, "Dockerfile"), dockerfile);
  await writeFile(join(context, "a.txt"), "a\n");
  await writeFile(join(context, "app", "main.js"), "console.log('hi');\n");
  const destRoot = join(root, "deep", "dest");
  return {
    root,
    context,
    store: join(root, "store"),
    fresh: join(root, "fresh"),
    dest: {
      local: join(destRoot, "local"),
      archive: join(destRoot, "image.tar"),
      layout: join(destRoot, "layout"),
      cache: join(destRoot, "cache"),
      metadata: join(destRoot, "metadata.json"),
    },
    canary: join(tmpdir(), `exp-canary-${randomBytes(6).toString("hex")}`),
    path: (...parts) => join(root, ...parts),
  };
}

/** A fresh sandbox with the previous outputs in place. */
export async function sandbox(dockerfile?: string): Promise<Sandbox & { cleanup(): Promise<void> }> {
  const previous = await previousOutputs();
  const root = await mkdtemp(join(tmpdir(), "exp-bad-"));
  const sb = await bareSandbox(root, dockerfile);
  await cp(previous, join(root, "deep", "dest"), { recursive: true, verbatimSymlinks: true });
  await mkdir(sb.fresh);
  return { ...sb, cleanup: () => rm(root, { recursive: true, force: true }) };
}

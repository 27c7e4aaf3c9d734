import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli.js";
import type { CliIO } from "./io.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with collected stdout/stderr, no TTY and a clean environment, in which
 * buildx's default provenance is off (BUILDX_NO_DEFAULT_ATTESTATIONS, as vitest.shared.ts sets it
 * for every test): the attestation tests pass an `env` of their own.
 */
export async function run(argv: string[], io: Partial<CliIO> = {}): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    env: { HOME: tmpdir(), BUILDX_NO_DEFAULT_ATTESTATIONS: "1" },
    isTTY: false,
    ...io,
  });
  return { code, stdout, stderr };
}

export interface Fixture {
  dir: string;
  context: string;
  store: string;
  cleanup(): Promise<void>;
}

/** A context with a Dockerfile FROM scratch + COPY, and an empty store directory. */
export async function fixture(dockerfile = "FROM scratch\nCOPY app /app\nCOPY README.txt /\nENV A=1\n"): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "exp-cli-"));
  const context = join(dir, "ctx");
  await mkdir(join(context, "app"), { recursive: true });
  await writeFile(join(context, "app", "main.js"), "console.log('hi');\n".repeat(50));
  await writeFile(join(context, "app", "lib.js"), "export const x = 1;\n");
  await writeFile(join(context, "README.txt"), "hello\n");
  await writeFile(join(context, "Dockerfile"), dockerfile);
  return { dir, context, store: join(dir, "store"), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const pluginType = "@exp/example-custom-exporter";

/**
 * Writes an exporter plugin (`-o type=<path>`) whose finalize presses Ctrl-C on `controller` and
 * then waits to be cancelled: a build interrupted at a known point of its export, whatever the
 * timing. The CLI runs in-process, so the plugin reaches the controller through globalThis.
 */
export async function interruptingExporter(dir: string, controller: AbortController): Promise<{ path: string; dispose(): void }> {
  const key = `__expInterrupt_${Math.random().toString(36).slice(2)}`;
  const path = join(dir, `${key}.mjs`);
  await writeFile(
    path,
    `export const exporter = {
  type: "interrupted",
  resolve: () => ({
    type: "interrupted",
    name: "exporting somewhere slow",
    async export() {
      return {
        response: {},
        finalize: async ({ signal }) => {
          globalThis[${JSON.stringify(key)}]();
          await new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", resolve)));
          throw new Error("Request aborted");
        },
      };
    },
  }),
};
`,
  );
  const hooks = globalThis as Record<string, unknown>;
  hooks[key] = () => controller.abort(new Error("interrupted (SIGINT)"));
  return { path, dispose: () => void delete hooks[key] };
}

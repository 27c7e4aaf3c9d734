import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A small build context (a Dockerfile FROM scratch with two COPY layers and config instructions)
 * for conformance runs; the caller builds it with its own @exp/dockerfile.
 */
export async function writeConformanceContext(): Promise<{ dir: string; context: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "exp-conformance-"));
  const context = join(dir, "context");
  await mkdir(join(context, "app", "lib"), { recursive: true });
  await writeFile(join(context, "app", "main.js"), "console.log('conformance')\n");
  await writeFile(join(context, "app", "lib", "util.js"), "export const x = 1;\n");
  await writeFile(join(context, "config.json"), '{"port":8080}\n');
  await writeFile(join(context, "Dockerfile"), 'FROM scratch\nWORKDIR /app\nCOPY config.json ./\nCOPY app/ ./\nENV NODE_ENV=production\nCMD ["/app/main.js"]\n');
  return { dir, context, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

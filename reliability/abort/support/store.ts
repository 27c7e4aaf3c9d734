import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "@exp/cli";
import type { StoreCheckReport } from "@exp/content";

/**
 * A build context whose first layer is `bytes` of random data (gzip cannot shrink it, so its
 * upload really takes bytes/bandwidth seconds), plus a small second layer. Random content also
 * means no earlier test's blob is already at the destination.
 */
export async function writeContext(dir: string, bytes: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "big.bin"), randomBytes(bytes));
  await writeFile(join(dir, "small.txt"), `small ${randomBytes(8).toString("hex")}\n`);
  await writeFile(join(dir, "Dockerfile"), "FROM scratch\nCOPY big.bin /\nCOPY small.txt /\n");
  return dir;
}

/**
 * The lease directories on disk. A lease whose holder died is hidden by `leases.list()` (it counts
 * as expired), so a build that forgot to release would still list none once it has exited: the
 * directory is what shows whether exp released its leases itself.
 */
export async function leaseDirs(root: string): Promise<string[]> {
  return (await readdir(join(root, "meta", "leases")).catch(() => [])).filter((name) => !name.startsWith("."));
}

/** `exp store check --root <root> --format json`, in-process: the exit code and the report. */
export async function expStoreCheck(root: string, home: string): Promise<{ code: number; report: StoreCheckReport; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["store", "check", "--root", root, "--format", "json"], {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    env: { HOME: home },
    isTTY: false,
    cwd: home,
  });
  return { code, report: JSON.parse(stdout) as StoreCheckReport, stderr };
}

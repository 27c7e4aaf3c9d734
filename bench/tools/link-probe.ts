import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startFaultProxy } from "@exp/testing";

/**
 * Checks the link model itself (see OPTIMIZATIONS.md): one curl upload of 300 MiB through a
 * 60 MiB/s link proxy to a sink, without and with the burst allowance. A faithful link gives a
 * single connection the whole bandwidth. Usage:
 * node --conditions=@exp/source --import tsx bench/tools/link-probe.ts
 */
const dir = await mkdtemp(join(tmpdir(), "exp-link-probe-"));
const file = join(dir, "blob");
await writeFile(file, randomBytes(300 * 1024 * 1024));
const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(201).end());
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
try {
  const port = (sink.address() as { port: number }).port;
  for (const burstMs of [0, 50]) {
    const proxy = await startFaultProxy({ target: `http://127.0.0.1:${port}`, link: { bytesPerSecond: 60 * 1024 * 1024, latencyMs: 20, burstMs } });
    const started = performance.now();
    // Asynchronously: the proxy runs on this process's event loop.
    await promisify(execFile)("curl", ["-s", "-o", "/dev/null", "-T", file, `${proxy.url}/upload`]);
    const seconds = (performance.now() - started) / 1000;
    console.log(`burstMs ${burstMs}: ${(300 / seconds).toFixed(1)} MiB/s of a 60 MiB/s link on one connection`);
    await proxy.stop();
  }
} finally {
  sink.close();
  await rm(dir, { recursive: true, force: true });
}

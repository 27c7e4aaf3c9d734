import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { stopOnce } from "./abort.js";
import { stopChild } from "./child-process.js";
import { AzuriteStartError } from "./errors.js";
import { findFreePort } from "./free-port.js";
import { createTlsCert } from "./certs.js";
import { httpRequest } from "./http-request.js";
import { tempDir, type TempDir } from "./temp-dir.js";
import { logTail, spawnNodeServer, waitServing } from "./node-server.js";

export interface StartAzuriteOptions {
  /**
   * Serve HTTPS with a certificate of its own (TestAzurite.caPath) and accept Microsoft Entra ID
   * bearer tokens (`--oauth basic`: Azurite checks a token's audience, issuer and times, not its
   * signature), as well as the account key.
   */
  oauth?: boolean;
  /** How long to wait for the blob service to answer. Default 30 000 ms (it is ready in ~1-2 s). */
  readyTimeoutMs?: number;
  /** Aborting while starting rejects with AbortedError (and cleans up); aborting later stops the server. */
  signal?: AbortSignal;
}

export interface TestAzurite {
  /** `http://127.0.0.1:PORT/devstoreaccount1` (https with `oauth`): Azurite's URLs are path-style, the account first. */
  accountUrl: string;
  /** With `oauth`: the self-signed certificate it serves, for clients to trust (NODE_EXTRA_CA_CERTS). */
  caPath?: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  accountName: typeof AZURITE_ACCOUNT_NAME;
  /** The emulator's published well-known key (base64); not a secret, but tests treat it as one. */
  accountKey: typeof AZURITE_ACCOUNT_KEY;
  /** `DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;BlobEndpoint=<accountUrl>;`. */
  connectionString: string;
  /** Azurite's data directory (a fresh temp dir, removed by stop()). */
  dataDir: string;
  /** Azurite's stdout and stderr. */
  logPath: string;
  /** The server's process id (Node running azurite-blob). */
  pid: number;
  /** Kills Azurite (SIGTERM, SIGKILL after 2 s) and removes its temp dir. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The Azurite this helper is written against (its blob service answers API versions up to its own; see --skipApiVersionCheck below). */
export const AZURITE_VERSION = "3.37.0";
/** Azurite's built-in account and key, the ones Microsoft publishes for the emulator. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const BIND_ATTEMPTS = 3;

/** True when the azurite package is installed next to this one (a devDependency of @exp/testing). */
export function azuriteAvailable(): boolean {
  try {
    azuriteBlobBin();
    return true;
  } catch {
    return false;
  }
}

/** How to get Azurite, for skipUnless's message under CI=true. */
export const AZURITE_INSTALL_HINT = `run pnpm install (azurite@${AZURITE_VERSION} is a devDependency of @exp/testing; scripts/setup.sh does it)`;

/**
 * Starts Azurite's blob service (the `azurite` package, an optional peer dependency of this one) on
 * 127.0.0.1 at a free port, with its data in a fresh temp dir. `--skipApiVersionCheck`: an SDK
 * newer than the emulator sends an x-ms-version it does not know yet, which it would refuse.
 * Resolves once an anonymous list of containers is answered (403, as Azure answers it).
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<TestAzurite> {
  const { signal } = options;
  throwIfAborted(signal, "startAzurite");
  const bin = azuriteBlobBin();
  const work = await tempDir("exp-azurite-", { signal });
  let child: ChildProcess | undefined;
  try {
    const dataDir = join(work.path, "data");
    const logPath = join(work.path, "azurite.log");
    await mkdir(dataDir);
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    const tls = options.oauth ? await createTlsCert(work.path, signal) : undefined;
    const tlsArgs = tls ? ["--oauth", "basic", "--cert", tls.certPath, "--key", tls.keyPath] : [];
    const scheme = tls ? "https" : "http";
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      child = spawnNodeServer([bin, "--location", dataDir, "--blobHost", "127.0.0.1", "--blobPort", String(port), "--skipApiVersionCheck", ...tlsArgs], logPath, work.path);
      // Any answer from the blob service will do: anonymous listing is refused (403) once it serves.
      const listing = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}?comp=list`;
      const probe = { signal, ...(tls ? { ca: tls.certPem } : {}) };
      const outcome = await waitServing(child, async (timeoutMs) => [200, 403].includes((await httpRequest(listing, { timeoutMs, ...probe })).status), deadline, signal, "startAzurite");
      if (outcome === "ready") return handle({ child, work, port, dataDir, logPath, signal, scheme, ...(tls ? { caPath: tls.certPath } : {}) });
      const log = await logTail(logPath);
      await stopChild(child);
      child = undefined;
      // Someone took the port between our probe and Azurite's bind: try another one.
      if (outcome === "exited" && /EADDRINUSE/.test(log) && attempt < BIND_ATTEMPTS && Date.now() < deadline) continue;
      throw new AzuriteStartError(outcome === "exited" ? "the process exited" : `no answer on 127.0.0.1:${port} before the deadline`, log);
    }
  } catch (error) {
    if (child) await stopChild(child, 500);
    await work.cleanup();
    if (signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError("startAzurite", signal.reason);
    throw error;
  }
}

/** The `azurite-blob` bin of the package installed next to this one. */
function azuriteBlobBin(): string {
  let manifestPath: string;
  try {
    manifestPath = createRequire(import.meta.url).resolve("azurite/package.json");
  } catch (error) {
    throw new AzuriteStartError(`the azurite package is not installed next to @exp/testing: ${AZURITE_INSTALL_HINT}`, "", error);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: Record<string, string> };
  const bin = manifest.bin?.["azurite-blob"];
  if (!bin) throw new AzuriteStartError(`${manifestPath} names no azurite-blob bin`, "");
  return join(dirname(manifestPath), bin);
}




interface Running {
  scheme: "http" | "https";
  caPath?: string;
  child: ChildProcess;
  work: TempDir;
  port: number;
  dataDir: string;
  logPath: string;
  signal: AbortSignal | undefined;
}

function handle(r: Running): TestAzurite {
  const stop = stopOnce(r.signal, [() => stopChild(r.child), () => r.work.cleanup()]);
  const host = `127.0.0.1:${r.port}`;
  const accountUrl = `${r.scheme}://${host}/${AZURITE_ACCOUNT_NAME}`;
  return {
    accountUrl,
    ...(r.caPath ? { caPath: r.caPath } : {}),
    host,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    connectionString: `DefaultEndpointsProtocol=${r.scheme};AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${accountUrl};`,
    dataDir: r.dataDir,
    logPath: r.logPath,
    pid: r.child.pid ?? -1,
    stop,
  };
}

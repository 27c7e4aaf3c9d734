import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AbortedError, InvalidOptionError, throwIfAborted } from "@exp/errors";
import { pause, stopOnce } from "./abort.js";
import { createTlsCert } from "./certs.js";
import { hasExited, stopChild, trackChild } from "./child-process.js";
import { RegistryStartError } from "./errors.js";
import { findFreePort } from "./free-port.js";
import { httpRequest } from "./http-request.js";
import { runTool } from "./run-tool.js";
import { tempDir, type TempDir } from "./temp-dir.js";
import { startTokenIssuer, type TokenIssuer } from "./token-issuer.js";
import { assertTools } from "./tools.js";

export type RegistryAuth = "none" | "basic" | "token";

export interface StartRegistryOptions {
  /** Default "none". "basic" uses htpasswd (bcrypt); "token" starts a token issuer. */
  auth?: RegistryAuth;
  /** Serve https with a fresh self-signed certificate for 127.0.0.1 and localhost. */
  tls?: boolean;
  /** Default "testuser" (auth "basic" and "token" only). */
  username?: string;
  /** Default "testpass". */
  password?: string;
  /** How long to wait for the registry to answer. Default 10 000 ms. */
  readyTimeoutMs?: number;
  /** Aborting while starting rejects with AbortedError (and cleans up); aborting later stops the registry. */
  signal?: AbortSignal;
}

export interface TestRegistry {
  /** "127.0.0.1:PORT", for image references. */
  host: string;
  /** "http(s)://127.0.0.1:PORT" */
  url: string;
  scheme: "http" | "https";
  username?: string;
  password?: string;
  /** The self-signed certificate (tls): trust it as a CA. */
  caCertPath?: string;
  caCert?: string;
  /** A directory holding `ca.crt`, for `skopeo --cert-dir` / `--dest-cert-dir` (tls). */
  certDir?: string;
  /** The issuer's realm URL (auth "token"). */
  tokenRealm?: string;
  /** The `service` the registry expects in token requests (auth "token"). */
  tokenService?: string;
  /** The token issuer itself, for its request log, setExpiresIn and revokeAll (auth "token"). */
  tokenIssuer?: TokenIssuer;
  /** The registry's storage root. */
  dataDir: string;
  /** The registry's log (level warn). */
  logPath: string;
  /** The registry process, for its CPU time (`/proc/<pid>/stat`) in benchmarks. */
  pid: number;
  /** Kills the registry, stops the issuer, removes temp dirs. Safe to call more than once. */
  stop(): Promise<void>;
}

const AUTH_VALUES: readonly RegistryAuth[] = ["none", "basic", "token"];
const TOKEN_SERVICE = "exp-test-registry";
const TOKEN_ISSUER = "exp-test-issuer";
const BIND_ATTEMPTS = 5;
const POLL_MS = 10;

/**
 * Starts a real registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1 with storage in
 * a fresh temp dir, deletes enabled and upload purging off (so a test's half-finished uploads stay
 * inspectable). Resolves once `GET /v2/` answers (200, or 401 with auth).
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const { signal } = options;
  const auth = options.auth ?? "none";
  if (!AUTH_VALUES.includes(auth)) throw new InvalidOptionError("startRegistry", "auth", String(auth), AUTH_VALUES.join(", "));
  const tls = options.tls ?? false;
  assertTools(
    ["docker-registry", ...(auth === "basic" ? ["htpasswd"] : []), ...(tls || auth === "token" ? ["openssl"] : [])],
    "startRegistry",
  );
  throwIfAborted(signal, "startRegistry");
  const username = auth === "none" ? undefined : (options.username ?? "testuser");
  const password = auth === "none" ? undefined : (options.password ?? "testpass");

  const work = await tempDir("exp-registry-", { signal });
  let issuer: TokenIssuer | undefined;
  let child: ChildProcess | undefined;
  try {
    const dataDir = join(work.path, "data");
    const logPath = join(work.path, "registry.log");
    const configPath = join(work.path, "config.yml");
    await mkdir(dataDir);

    let tlsConfig: { certificate: string; key: string } | undefined;
    let caCert: string | undefined;
    let caCertPath: string | undefined;
    let certDir: string | undefined;
    if (tls) {
      const cert = await createTlsCert(work.path, signal);
      tlsConfig = { certificate: cert.certPath, key: cert.keyPath };
      caCert = cert.certPem;
      caCertPath = cert.certPath;
      certDir = join(work.path, "certs.d");
      await mkdir(certDir);
      await copyFile(cert.certPath, join(certDir, "ca.crt"));
    }

    let authConfig: Record<string, unknown> | undefined;
    if (auth === "basic") {
      const htpasswdPath = join(work.path, "htpasswd");
      // bcrypt (-B) is the only hash distribution accepts.
      await runTool("htpasswd", ["-Bbc", htpasswdPath, username!, password!], { signal });
      authConfig = { htpasswd: { realm: "exp-test-registry", path: htpasswdPath } };
    } else if (auth === "token") {
      issuer = await startTokenIssuer({ username: username!, password: password!, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, signal });
      authConfig = { token: { realm: issuer.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: issuer.certPath } };
    }

    const scheme = tls ? "https" : "http";
    const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const host = `127.0.0.1:${port}`;
      // JSON is YAML, and it spares us quoting paths.
      const config = {
        version: "0.1",
        log: { level: "warn", accesslog: { disabled: true } },
        storage: {
          filesystem: { rootdirectory: dataDir },
          delete: { enabled: true },
          maintenance: { uploadpurging: { enabled: false } },
        },
        http: { addr: host, secret: randomBytes(16).toString("hex"), ...(tlsConfig ? { tls: tlsConfig } : {}) },
        ...(authConfig ? { auth: authConfig } : {}),
      };
      await writeFile(configPath, JSON.stringify(config, null, 2));
      child = spawnRegistry(configPath, logPath, work.path);
      const outcome = await waitReady(child, `${scheme}://${host}`, caCert, deadline, signal);
      if (outcome === "ready") {
        return handle({ child, work, issuer, host, scheme, username, password, caCert, caCertPath, certDir, dataDir, logPath, signal });
      }
      const log = await logTail(logPath);
      await stopChild(child);
      child = undefined;
      // Someone took the port between our probe and the registry's bind: try another one.
      if (outcome === "exited" && /address already in use/.test(log) && attempt < BIND_ATTEMPTS) continue;
      throw new RegistryStartError(outcome === "exited" ? "the process exited" : `no answer on ${scheme}://${host}/v2/ before the deadline`, log);
    }
  } catch (error) {
    if (child) await stopChild(child, 500);
    await issuer?.stop();
    await work.cleanup();
    if (signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError("startRegistry", signal.reason);
    throw error;
  }
}

function spawnRegistry(configPath: string, logPath: string, cwd: string): ChildProcess {
  // distribution reads REGISTRY_* variables as config overrides: a developer's REGISTRY_URL or
  // REGISTRY_HTTP_ADDR must not leak into the test registry.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("REGISTRY_")));
  const log = openSync(logPath, "w");
  try {
    const child = spawn("docker-registry", ["serve", configPath], { cwd, env, stdio: ["ignore", log, log] });
    trackChild(child);
    child.on("error", () => {}); // spawn failures surface as "exited" below
    return child;
  } finally {
    closeSync(log);
  }
}

type Outcome = "ready" | "exited" | "timeout";

async function waitReady(child: ChildProcess, url: string, ca: string | undefined, deadline: number, signal: AbortSignal | undefined): Promise<Outcome> {
  while (Date.now() < deadline) {
    if (hasExited(child)) return "exited";
    try {
      const res = await httpRequest(`${url}/v2/`, { ca, timeoutMs: Math.max(100, Math.min(1000, deadline - Date.now())), signal });
      if (res.status === 200 || res.status === 401) return "ready";
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      // not listening yet
    }
    await pause(POLL_MS, signal, "startRegistry");
  }
  return hasExited(child) ? "exited" : "timeout";
}

async function logTail(logPath: string, lines = 20): Promise<string> {
  try {
    return (await readFile(logPath, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

interface Running {
  child: ChildProcess;
  work: TempDir;
  issuer: TokenIssuer | undefined;
  host: string;
  scheme: "http" | "https";
  username: string | undefined;
  password: string | undefined;
  caCert: string | undefined;
  caCertPath: string | undefined;
  certDir: string | undefined;
  dataDir: string;
  logPath: string;
  signal: AbortSignal | undefined;
}

function handle(r: Running): TestRegistry {
  const stop = stopOnce(r.signal, [() => stopChild(r.child), async () => r.issuer?.stop(), () => r.work.cleanup()]);
  const registry: TestRegistry = { host: r.host, url: `${r.scheme}://${r.host}`, scheme: r.scheme, dataDir: r.dataDir, logPath: r.logPath, pid: r.child.pid!, stop };
  if (r.username !== undefined) registry.username = r.username;
  if (r.password !== undefined) registry.password = r.password;
  if (r.caCert !== undefined) registry.caCert = r.caCert;
  if (r.caCertPath !== undefined) registry.caCertPath = r.caCertPath;
  if (r.certDir !== undefined) registry.certDir = r.certDir;
  if (r.issuer) {
    registry.tokenRealm = r.issuer.realm;
    registry.tokenService = TOKEN_SERVICE;
    registry.tokenIssuer = r.issuer;
  }
  return registry;
}

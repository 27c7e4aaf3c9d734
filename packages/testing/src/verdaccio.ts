import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AbortedError, InvalidOptionError, throwIfAborted } from "@exp/errors";
import { stopOnce } from "./abort.js";
import { stopChild } from "./child-process.js";
import { VerdaccioStartError } from "./errors.js";
import { findFreePort } from "./free-port.js";
import { httpRequest } from "./http-request.js";
import { tempDir, type TempDir } from "./temp-dir.js";
import { logTail, spawnNodeServer, waitServing } from "./node-server.js";

export interface StartVerdaccioOptions {
  /** The user created for publishing. Default "ci". */
  username?: string;
  /** Default "ci-pass-1" (Verdaccio wants at least a few characters). */
  password?: string;
  /** How long to wait for `/-/ping` to answer. Default 30 000 ms (it is ready in ~1-5 s). */
  readyTimeoutMs?: number;
  /** Aborting while starting rejects with AbortedError (and cleans up); aborting later stops the registry. */
  signal?: AbortSignal;
}

export interface TestVerdaccio {
  /** `http://127.0.0.1:PORT/`, with the trailing slash npm and pnpm write in `.npmrc`. */
  url: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** The publish user. */
  username: string;
  /** Its token: `//127.0.0.1:PORT/:_authToken=<token>` in an `.npmrc` lets npm and pnpm publish. */
  token: string;
  /** That `.npmrc` line, ready to write. */
  authLine: string;
  /** Where published packages are kept (a fresh temp dir, removed by stop()). */
  storageDir: string;
  /** Verdaccio's stdout and stderr (log level warn). */
  logPath: string;
  /** Kills Verdaccio (SIGTERM, SIGKILL after 2 s) and removes its temp dir. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The Verdaccio this helper is written against: 6.10 and later need Node 22. */
export const VERDACCIO_VERSION = "6.8.0";
const BIND_ATTEMPTS = 3;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Starts a private npm registry, Verdaccio 6.8 (the `verdaccio` package, an optional peer
 * dependency of this one), on 127.0.0.1 at a free port, with its own storage in a fresh temp dir
 * and **no uplinks**: it serves only what is published to it, so a consumer's `.npmrc` scopes it
 * (`@scope:registry=<url>`) and takes every other package from its default registry. Anyone may
 * read; only the user created here (over HTTP, as `npm adduser` does) may publish. Resolves once
 * `/-/ping` answers and the user has a token.
 */
export async function startVerdaccio(options: StartVerdaccioOptions = {}): Promise<TestVerdaccio> {
  const { signal } = options;
  const username = options.username ?? "ci";
  const password = options.password ?? "ci-pass-1";
  if (!NAME.test(username)) throw new InvalidOptionError("startVerdaccio", "username", username, "1-64 characters of a-z, 0-9, '.', '_' and '-'");
  if (password.length < 3) throw new InvalidOptionError("startVerdaccio", "password", "(set)", "at least 3 characters");
  throwIfAborted(signal, "startVerdaccio");
  const bin = verdaccioBin();

  const work = await tempDir("exp-verdaccio-", { signal });
  let child: ChildProcess | undefined;
  try {
    const storageDir = join(work.path, "storage");
    const configPath = join(work.path, "config.yaml");
    const logPath = join(work.path, "verdaccio.log");
    await mkdir(storageDir);
    // JSON is YAML, and it spares us quoting paths.
    const config = {
      storage: storageDir,
      // max_users 1: the publish user below is the only account anyone can create.
      auth: { htpasswd: { file: join(work.path, "htpasswd"), max_users: 1 } },
      uplinks: {},
      packages: { "**": { access: "$all", publish: "$authenticated", unpublish: "$authenticated" } },
      // No web UI: nothing looks at it, and it is most of Verdaccio's start-up.
      web: { enable: false },
      max_body_size: "100mb",
      log: { type: "stdout", format: "pretty", level: "warn" },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);

    for (let attempt = 1; ; attempt++) {
      const host = `127.0.0.1:${await findFreePort()}`;
      child = spawnNodeServer([bin, "--config", configPath, "--listen", host], logPath, work.path);
      const outcome = await waitServing(child, async (timeoutMs) => (await httpRequest(`http://${host}/-/ping`, { timeoutMs, signal })).status === 200, deadline, signal, "startVerdaccio");
      if (outcome === "ready") {
        const token = await createUser(`http://${host}`, username, password, logPath, signal);
        return handle({ child, work, host, username, token, storageDir, logPath, signal });
      }
      const log = await logTail(logPath);
      await stopChild(child);
      child = undefined;
      // Someone took the port between our probe and Verdaccio's bind: try another one.
      if (outcome === "exited" && /EADDRINUSE/.test(log) && attempt < BIND_ATTEMPTS && Date.now() < deadline) continue;
      throw new VerdaccioStartError(outcome === "exited" ? "the process exited" : `no answer on http://${host}/-/ping before the deadline`, log);
    }
  } catch (error) {
    if (child) await stopChild(child, 500);
    await work.cleanup();
    if (signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError("startVerdaccio", signal.reason);
    throw error;
  }
}

/** The `verdaccio` bin of the package installed next to this one. */
function verdaccioBin(): string {
  let manifestPath: string;
  try {
    manifestPath = createRequire(import.meta.url).resolve("verdaccio/package.json");
  } catch (error) {
    throw new VerdaccioStartError(`the verdaccio package is not installed next to @exp/testing: add it (npm i -D -E verdaccio@${VERDACCIO_VERSION})`, "", error);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { version?: string; bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.verdaccio;
  if (!bin) throw new VerdaccioStartError(`${manifestPath} names no verdaccio bin`, "");
  return join(dirname(manifestPath), bin);
}



/** `npm adduser` over HTTP: the answer carries the user's token. */
async function createUser(url: string, name: string, password: string, logPath: string, signal: AbortSignal | undefined): Promise<string> {
  const res = await httpRequest(`${url}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: "user", roles: [] }),
    signal,
  });
  const token = res.status === 201 ? (JSON.parse(res.body.toString("utf8")) as { token?: unknown }).token : undefined;
  if (typeof token !== "string" || token === "") {
    throw new VerdaccioStartError(`creating the publish user ${name} answered ${res.status} ${res.body.toString("utf8").slice(0, 200)}`, await logTail(logPath));
  }
  return token;
}


interface Running {
  child: ChildProcess;
  work: TempDir;
  host: string;
  username: string;
  token: string;
  storageDir: string;
  logPath: string;
  signal: AbortSignal | undefined;
}

function handle(r: Running): TestVerdaccio {
  const stop = stopOnce(r.signal, [() => stopChild(r.child), () => r.work.cleanup()]);
  return {
    url: `http://${r.host}/`,
    host: r.host,
    username: r.username,
    token: r.token,
    authLine: `//${r.host}/:_authToken=${r.token}`,
    storageDir: r.storageDir,
    logPath: r.logPath,
    stop,
  };
}

import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { closeSync, createWriteStream, openSync, type WriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { AbortedError, InvalidOptionError, throwIfAborted } from "@exp/errors";
import { pause, stopOnce } from "./abort.js";
import { hasExited, stopChild, trackChild } from "./child-process.js";
import { S3StartError } from "./errors.js";
import { findFreePort } from "./free-port.js";
import { signedRequest, type S3RequestOptions, type S3Response } from "./s3-request.js";
import {
  SWIFT_ACCOUNT,
  SWIFT_DEVICE,
  SWIFT_KEY,
  SWIFT_KEY_PATTERN,
  SWIFT_STORAGE_KINDS,
  SWIFT_USER,
  swiftProxyConf,
  swiftRingFile,
  swiftStorageConf,
  type SwiftCommon,
  type SwiftLogLevel,
} from "./swift-config.js";
import { tempDir, type TempDir } from "./temp-dir.js";
import { assertTools, findOnPath, SWIFT_TOOLS } from "./tools.js";

export interface StartS3Options {
  /** Create this bucket (with a signed PUT) before resolving. */
  bucket?: string;
  /** How long to wait for a signed S3 request to succeed. Default 30 000 ms. */
  readyTimeoutMs?: number;
  /**
   * The secret access key of `test:tester`. Default `testing`: a word too common to search output
   * for, so a test that checks the secret never leaks passes a distinctive one.
   */
  secretAccessKey?: string;
  /** Swift's log level (its logs go to `logDir/swift.log`). Default "WARNING"; "INFO" adds an access log line per request. */
  logLevel?: SwiftLogLevel;
  /** Aborting while starting rejects with AbortedError (and cleans up); aborting later stops the server. */
  signal?: AbortSignal;
}

export type S3ProcessName = "memcached" | "object" | "container" | "account" | "proxy";

export interface TestS3 {
  /** `http://127.0.0.1:PORT`: the proxy. Use path-style addressing (`forcePathStyle: true`). */
  endpoint: string;
  region: "us-east-1";
  accessKeyId: "test:tester";
  /** `testing` unless `secretAccessKey` was given. */
  secretAccessKey: string;
  /** The bucket created at start, when `bucket` was given. */
  bucket?: string;
  /** Swift's device root (objects, containers, accounts; metadata in xattrs). */
  dataDir: string;
  /** One log per process (`<name>.log`: stdout/stderr) plus `swift.log` (what Swift sends to syslog). */
  logDir: string;
  /** The loopback ports in use. */
  ports: Readonly<Record<S3ProcessName, number>>;
  /** The processes started (and stopped by `stop()`). */
  processes: ReadonlyArray<{ name: S3ProcessName; pid: number }>;
  /** A SigV4-signed request (see `signedRequest`): `path` is `/bucket/key`, unencoded. */
  request(method: string, path: string, options?: S3RequestOptions): Promise<S3Response>;
  /** Kills every process (SIGTERM, SIGKILL after 2 s), removes the temp dir. Safe to call more than once. */
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const ACCESS_KEY_ID = `${SWIFT_ACCOUNT}:${SWIFT_USER}` as const;
const BIND_ATTEMPTS = 3;
const POLL_MS = 50;
const LOG_LEVELS: readonly SwiftLogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];
const PROCESS_NAMES: readonly S3ProcessName[] = ["memcached", "object", "container", "account", "proxy"];
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const setprivPath = findOnPath("setpriv");

/**
 * Starts a private OpenStack Swift with the s3api middleware (Debian's swift-proxy, -account,
 * -container, -object 2.30, and memcached) on free loopback ports, with its data in a fresh temp
 * dir. Resolves once a signed S3 request (ListBuckets) succeeds, after creating `bucket` if given.
 * Takes a few seconds and ~320 MB of RAM: share one per test file (beforeAll/afterAll).
 */
export async function startS3(options: StartS3Options = {}): Promise<TestS3> {
  const { signal, bucket } = options;
  const logLevel = options.logLevel ?? "WARNING";
  if (!LOG_LEVELS.includes(logLevel)) throw new InvalidOptionError("startS3", "logLevel", String(logLevel), LOG_LEVELS.join(", "));
  if (bucket !== undefined && (!BUCKET_NAME.test(bucket) || bucket.includes(".."))) {
    throw new InvalidOptionError("startS3", "bucket", bucket, "3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit");
  }
  const key = options.secretAccessKey ?? SWIFT_KEY;
  if (!SWIFT_KEY_PATTERN.test(key)) {
    // The value is a secret: the message describes it without repeating it.
    throw new InvalidOptionError("startS3", "secretAccessKey", "(set)", "1-128 characters of A-Z, a-z, 0-9 and . _ ~ + = / -, starting with a letter or digit");
  }
  assertTools(SWIFT_TOOLS, "startS3");
  throwIfAborted(signal, "startS3");

  const work = await tempDir("exp-s3-", { signal });
  let cluster: Cluster | undefined;
  let syslog: Syslog | undefined;
  try {
    const dataDir = join(work.path, "node");
    const logDir = join(work.path, "log");
    const etcDir = join(work.path, "etc");
    await Promise.all([mkdir(join(dataDir, SWIFT_DEVICE), { recursive: true }), mkdir(logDir), mkdir(etcDir)]);
    syslog = await startSyslog(join(logDir, "swift.log"));
    const common: SwiftCommon = { swiftDir: etcDir, user: userInfo().username, logUdpPort: syslog.port, logLevel };
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);

    for (let attempt = 1; ; attempt++) {
      const ports = await pickPorts();
      await writeSwiftFiles(etcDir, dataDir, ports, common, key);
      cluster = spawnCluster(etcDir, logDir, ports, work.path);
      const outcome = await waitReady(cluster, ports, key, deadline, signal);
      if (outcome.kind === "ready") {
        const s3 = handle({ cluster, work, syslog, ports, key, dataDir, logDir, signal });
        if (bucket !== undefined) {
          const res = await s3.request("PUT", `/${bucket}`, signal ? { signal } : {}).catch(async (error: unknown) => {
            await s3.stop();
            throw error;
          });
          if (res.status !== 200) {
            const logs = await logTails(logDir);
            await s3.stop();
            throw new S3StartError(`creating bucket ${bucket} answered ${res.status} ${res.errorCode ?? res.body.toString("utf8").slice(0, 200)}`, logs);
          }
          s3.bucket = bucket;
        }
        return s3;
      }
      const logs = await logTails(logDir);
      await stopCluster(cluster);
      cluster = undefined;
      // Someone took one of our ports between the probe and the bind: try again with new ones.
      if (outcome.kind === "exited" && /address already in use|could not bind/i.test(logs) && attempt < BIND_ATTEMPTS && Date.now() < deadline) continue;
      const reason =
        outcome.kind === "exited"
          ? `${outcome.name} exited (${outcome.detail})`
          : `no successful signed S3 request on http://127.0.0.1:${ports.proxy}/ before the deadline (${outcome.detail})`;
      throw new S3StartError(reason, logs);
    }
  } catch (error) {
    if (cluster) await stopCluster(cluster, 500);
    await syslog?.close();
    await work.cleanup();
    if (signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError("startS3", signal.reason);
    throw error;
  }
}

type Ports = Record<S3ProcessName, number>;

async function pickPorts(): Promise<Ports> {
  const ports = {} as Ports;
  const taken = new Set<number>();
  for (const name of PROCESS_NAMES) {
    let port: number;
    do port = await findFreePort();
    while (taken.has(port));
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

async function writeSwiftFiles(etcDir: string, dataDir: string, ports: Ports, common: SwiftCommon, key: string): Promise<void> {
  await Promise.all([
    ...SWIFT_STORAGE_KINDS.flatMap((kind) => [
      writeFile(join(etcDir, `${kind}.ring.gz`), swiftRingFile(ports[kind])),
      writeFile(join(etcDir, `${kind}-server.conf`), swiftStorageConf(kind, ports[kind], dataDir, common)),
    ]),
    writeFile(join(etcDir, "proxy-server.conf"), swiftProxyConf(ports.proxy, ports.memcached, REGION, common, key)),
  ]);
}

type Cluster = Array<{ name: S3ProcessName; child: ChildProcess }>;

function spawnCluster(etcDir: string, logDir: string, ports: Ports, cwd: string): Cluster {
  // Debian's Swift runs on /usr/bin/python3; a developer's PYTHONPATH/PYTHONHOME (pyenv, a venv) must not leak into it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "PYTHONPATH" && key !== "PYTHONHOME"));
  // memcached runs in the foreground (no -d) so it is our child and stop() can kill it. As root it needs -u.
  const memcachedArgs = ["-l", "127.0.0.1", "-p", String(ports.memcached), "-U", "0", "-m", "64", "-t", "1"];
  if (process.getuid?.() === 0) memcachedArgs.push("-u", "root");
  const cluster: Cluster = [{ name: "memcached", child: spawnLogged("memcached", memcachedArgs, join(logDir, "memcached.log"), cwd, env) }];
  for (const name of ["object", "container", "account", "proxy"] as const) {
    cluster.push({ name, child: spawnLogged(`swift-${name}-server`, [join(etcDir, `${name}-server.conf`)], join(logDir, `${name}.log`), cwd, env) });
  }
  return cluster;
}

/**
 * The Swift servers call setsid(), and test runners end their workers without running exit hooks
 * (vitest's forks pool does), so a forgotten stop() would leave ~300 MB of servers behind for good.
 * `setpriv --pdeathsig KILL` (util-linux, always on Debian) makes the kernel kill each one when this
 * process dies, however it dies. It execs the server, so the pid is the server's.
 */
function spawnLogged(command: string, args: string[], logPath: string, cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(logPath, "w");
  try {
    const [file, argv] = setprivPath === undefined ? [command, args] : [setprivPath, ["--pdeathsig", "KILL", "--", command, ...args]];
    const child = spawn(file, argv, { cwd, env, stdio: ["ignore", log, log] });
    trackChild(child);
    child.on("error", () => {}); // spawn failures surface as "exited" below
    return child;
  } finally {
    closeSync(log);
  }
}

/**
 * SIGTERM to all, SIGKILL after `graceMs`. The Swift servers (workers = 0) exit at once on SIGTERM;
 * memcached only notices it on its next one-second clock tick, and it holds nothing worth a clean
 * shutdown (tempauth tokens and cached info), so it gets at most 200 ms before SIGKILL.
 */
async function stopCluster(cluster: Cluster, graceMs = 2000): Promise<void> {
  await Promise.all(cluster.map(({ name, child }) => stopChild(child, name === "memcached" ? Math.min(graceMs, 200) : graceMs)));
}

type Outcome = { kind: "ready" } | { kind: "exited"; name: S3ProcessName; detail: string } | { kind: "timeout"; detail: string };

function exitedOutcome(cluster: Cluster): Outcome | undefined {
  const dead = cluster.find(({ child }) => hasExited(child));
  if (!dead) return undefined;
  const { exitCode, signalCode } = dead.child;
  return { kind: "exited", name: dead.name, detail: signalCode ? `signal ${signalCode}` : `code ${exitCode}` };
}

/**
 * First every back end (and memcached) must accept connections: a proxy that sees connection
 * refusals error-limits the node for a minute, so the S3 probe must not start before. Then signed
 * ListBuckets until it answers 200 (tempauth + memcached + account autocreate all work).
 */
async function waitReady(cluster: Cluster, ports: Ports, key: string, deadline: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const pending = new Set<S3ProcessName>(["memcached", "object", "container", "account"]);
  let last = "the back ends were not listening yet";
  while (Date.now() < deadline) {
    const exited = exitedOutcome(cluster);
    if (exited) return exited;
    for (const name of [...pending]) if (await canConnect(ports[name])) pending.delete(name);
    if (pending.size > 0) {
      last = `not listening yet: ${[...pending].join(", ")}`;
    } else {
      try {
        const res = await signedRequest(
          { endpoint: `http://127.0.0.1:${ports.proxy}`, region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: key },
          "GET",
          "/",
          { timeoutMs: Math.max(200, Math.min(5000, deadline - Date.now())), ...(signal ? { signal } : {}) },
        );
        if (res.status === 200) return { kind: "ready" };
        last = `last answer: ${res.status} ${res.errorCode ?? res.body.toString("utf8").slice(0, 200)}`;
      } catch (error) {
        if (error instanceof AbortedError) throw error;
        last = `last error: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    await pause(POLL_MS, signal, "startS3");
  }
  return exitedOutcome(cluster) ?? { kind: "timeout", detail: last };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(500);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/** The last lines of every log, each under a header, for start errors. */
async function logTails(logDir: string, lines = 15): Promise<string> {
  const parts: string[] = [];
  for (const name of [...PROCESS_NAMES, "swift"]) {
    let text: string;
    try {
      text = (await readFile(join(logDir, `${name}.log`), "utf8")).trimEnd();
    } catch {
      continue;
    }
    if (text) parts.push(`[${name}.log]\n${text.split("\n").slice(-lines).join("\n")}`);
  }
  return parts.join("\n");
}

interface Syslog {
  port: number;
  close(): Promise<void>;
}

/**
 * Swift logs through syslog only (and, once started, redirects its own stderr there too). Each
 * server is pointed at this UDP port on 127.0.0.1; every datagram becomes a line of `path`.
 */
async function startSyslog(path: string): Promise<Syslog> {
  const out: WriteStream = createWriteStream(path, { flags: "a" });
  const socket: UdpSocket = createSocket("udp4");
  socket.on("message", (message) => {
    // "<PRI>proxy-server: text": drop the priority, keep the rest.
    out.write(`${new Date().toISOString()} ${message.toString("utf8").replace(/^<\d+>/, "").replace(/\0$/, "").trimEnd()}\n`);
  });
  socket.unref();
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => {});
  let closed: Promise<void> | undefined;
  return {
    port: socket.address().port,
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        await new Promise<void>((resolve) => out.end(() => resolve()));
      })()),
  };
}

interface Running {
  cluster: Cluster;
  work: TempDir;
  syslog: Syslog;
  ports: Ports;
  key: string;
  dataDir: string;
  logDir: string;
  signal: AbortSignal | undefined;
}

function handle(r: Running): TestS3 {
  const stop = stopOnce(r.signal, [() => stopCluster(r.cluster), () => r.syslog.close(), () => r.work.cleanup()]);
  const s3: TestS3 = {
    endpoint: `http://127.0.0.1:${r.ports.proxy}`,
    region: REGION,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: r.key,
    dataDir: r.dataDir,
    logDir: r.logDir,
    ports: { ...r.ports },
    processes: r.cluster.map(({ name, child }) => ({ name, pid: child.pid ?? -1 })),
    request: (method, path, options) => signedRequest(s3, method, path, options),
    stop,
  };
  return s3;
}

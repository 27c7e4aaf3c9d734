import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cacheExporter as s3CacheExporter } from "@exp/cache-s3";
import { runCli } from "@exp/cli";
import { checkStore, openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { AbortedError } from "@exp/errors";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { httpRequest } from "@exp/testing";
import { trials } from "../soak.js";
import { BUCKET, skipWithoutDestinations, specOf, startSlowDestinations, type SlowDestinations } from "./support/destinations.js";
import { exitWithin, spawnExp } from "./support/exp-process.js";
import { describeRequests, expectAllEndedBy, isBlobUpload, isObjectUpload, waitFor } from "./support/requests.js";
import { expStoreCheck, leaseDirs, writeContext } from "./support/store.js";

// Issue 8: an abort (SIGINT to the CLI, or an AbortSignal) in the middle of the parallel
// finalize, while the image push and the cache upload are both sending a layer to slow
// destinations. Every in-flight request must stop within STOP_MS of the abort, the leases must be
// released (not merely die with their process), the store must check clean, and history must
// record the aborted build.

/** The bound: no request may still be open this long after the abort. */
const STOP_MS = 2000;
/** A layer this big at this bandwidth takes ~12 s to upload: the abort always lands mid-upload. */
const LAYER_BYTES = 3 * 1024 * 1024;
const BYTES_PER_SECOND = 256 * 1024;

describe.skipIf(skipWithoutDestinations())("abort during the parallel finalize", () => {
  let dest: SlowDestinations;
  let dir: string;

  beforeAll(async () => {
    dest = await startSlowDestinations(BYTES_PER_SECOND);
    dir = await mkdtemp(join(tmpdir(), "exp-rel-abort-"));
  }, 90_000);
  afterAll(async () => {
    await dest?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    dest.registryProxy.reset();
    dest.s3Proxy.reset();
  });

  /** Both finalizers are mid-body: the image's layer PUT at the registry and the cache's object PUT at S3. */
  const bothUploading = () =>
    dest.registryProxy.stats.log.some((e) => isBlobUpload(e) && e.endedAt === undefined) &&
    dest.s3Proxy.stats.log.some((e) => isObjectUpload(e) && e.endedAt === undefined);
  const traffic = () => `registry:\n${describeRequests(dest.registryProxy.stats.log)}\ns3:\n${describeRequests(dest.s3Proxy.stats.log)}`;

  /** The requests stopped in time, and the aborted push published nothing: no tag, no cache manifest. */
  async function expectStoppedAndUnpublished(abortedAt: number, repository: string, tag: string, prefix: string): Promise<void> {
    await expectAllEndedBy(dest.registryProxy, abortedAt + STOP_MS, abortedAt, "registry");
    await expectAllEndedBy(dest.s3Proxy, abortedAt + STOP_MS, abortedAt, "s3");
    const manifest = await httpRequest(`${dest.registry.url}/v2/${repository}/manifests/${tag}`, { method: "HEAD" });
    expect(manifest.status).toBe(404);
    expect((await dest.s3.request("HEAD", `/${BUCKET}/${prefix}manifests/buildkit`)).status).toBe(404);
  }

  /** After the build: store check passes, no lease directory is left, history recorded the abort. */
  async function expectCleanStore(root: string): Promise<void> {
    const check = await expStoreCheck(root, dir);
    expect(check.report.faults).toEqual([]);
    expect(check.code).toBe(0);
    expect(await leaseDirs(root)).toEqual([]);
    const store = await openContentStore(root);
    expect(await store.leases.list()).toEqual([]);
    const history = await store.history.list();
    expect(history).toHaveLength(1);
    // The abort itself, never whichever consequence of it (an aborted request) came first.
    expect(history[0]!.error).toBe("export was aborted: interrupted (SIGINT)");
    // checkStore above already proved every result it names is in the store.
    expect(history[0]!.results.length).toBeGreaterThan(0);
  }

  it("SIGINT to an exp process: exit 130, every request stopped within 2 s, leases released, store consistent", async () => {
    for (let trial = 0; trial < trials(1, 4); trial++) {
      dest.registryProxy.reset();
      dest.s3Proxy.reset();
      const work = join(dir, `cli-${trial}`);
      const context = await writeContext(join(work, "ctx"), LAYER_BYTES);
      const root = join(work, "store");
      const repository = `abort/cli-${trial}`;
      const prefix = `cli-${trial}/`;
      const exp = spawnExp(
        ["build", context, "--root", root, "--progress", "plain", "-o", `type=registry,name=${dest.registryProxy.host}/${repository}:v1`, "--cache-to", specOf("s3", dest.s3Attrs(prefix))],
        { home: work },
      );
      let signalledAt: number;
      try {
        await waitFor(bothUploading, 60_000, "both finalizers uploading", () => `${traffic()}\n${exp.stderr().slice(-2000)}`);
        // The soak also aborts later into the uploads.
        await sleep(trial * 400);
        signalledAt = Date.now();
        exp.child.kill("SIGINT");
        const exit = await exitWithin(exp, 10_000, "after SIGINT");
        expect(exit.signal).toBeNull();
        expect(exit.code, exit.stderr.slice(-2000)).toBe(130);
        expect(exit.stderr).toMatch(/^ERROR: .*aborted/m);
        // Nothing but exp's own output: the AWS SDK used to print its own line for each aborted upload.
        expect(exit.stderr).not.toMatch(/non-retryable streaming request/);
        // Exiting is allowed a little more than the requests: history and leases are written first.
        expect(exit.at - signalledAt).toBeLessThan(5000);
      } finally {
        exp.kill();
      }
      await expectStoppedAndUnpublished(signalledAt, repository, "v1", prefix);
      await expectCleanStore(root);
    }
  }, 180_000);

  it("an aborted runCli (in-process): exit 130 within 2 s, and the process's own sockets stopped too", async () => {
    for (let trial = 0; trial < trials(1, 4); trial++) {
      dest.registryProxy.reset();
      dest.s3Proxy.reset();
      const work = join(dir, `runcli-${trial}`);
      const context = await writeContext(join(work, "ctx"), LAYER_BYTES);
      const root = join(work, "store");
      const repository = `abort/runcli-${trial}`;
      const prefix = `runcli-${trial}/`;
      const controller = new AbortController();
      let stderr = "";
      const running = runCli(
        ["build", context, "--root", root, "--progress", "plain", "-o", `type=registry,name=${dest.registryProxy.host}/${repository}:v1`, "--cache-to", specOf("s3", dest.s3Attrs(prefix))],
        {
          stdout: { write: () => true },
          stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
          env: { HOME: work },
          isTTY: false,
          cwd: work,
          signal: controller.signal,
        },
      ).then((code) => ({ code, at: Date.now() }));
      await waitFor(bothUploading, 60_000, "both finalizers uploading", () => `${traffic()}\n${stderr.slice(-2000)}`);
      await sleep(trial * 400);
      const abortedAt = Date.now();
      controller.abort(new Error("interrupted (SIGINT)"));
      const { code, at } = await running;
      expect(code, stderr.slice(-2000)).toBe(130);
      expect(stderr).toMatch(/^ERROR: .*aborted: interrupted \(SIGINT\)$/m);
      // In-process nothing closes the sockets for us: only a real cancellation stops the requests.
      expect(at - abortedAt).toBeLessThan(STOP_MS);
      await expectStoppedAndUnpublished(abortedAt, repository, "v1", prefix);
      await expectCleanStore(root);
    }
  }, 180_000);

  it("runExport with an AbortSignal: rejects with AbortedError (ERR_ABORTED), requests stopped, leases released", async () => {
    for (let trial = 0; trial < trials(1, 4); trial++) {
      dest.registryProxy.reset();
      dest.s3Proxy.reset();
      const work = join(dir, `run-export-${trial}`);
      const context = await writeContext(join(work, "ctx"), LAYER_BYTES);
      const store = await openContentStore(join(work, "store"));
      const repository = `abort/run-export-${trial}`;
      const prefix = `run-export-${trial}/`;
      const built = await buildImage({ context, store });
      const client = createRegistryClient({ limiters: new HostLimiters() });
      const controller = new AbortController();
      const outcome = runExport({
        source: built.source,
        exporters: [registryExporter.resolve({ name: `${dest.registryProxy.host}/${repository}:v1` })],
        cacheExporters: [s3CacheExporter.resolve(dest.s3Attrs(prefix))],
        store,
        registry: client,
        signal: controller.signal,
      }).then(
        () => ({ error: undefined as unknown, at: Date.now() }),
        (error: unknown) => ({ error, at: Date.now() }),
      );
      try {
        await waitFor(bothUploading, 60_000, "both finalizers uploading", traffic);
        await sleep(trial * 400);
        const abortedAt = Date.now();
        controller.abort(new Error("user pressed ctrl-c"));
        const { error, at } = await outcome;
        expect(error).toBeInstanceOf(AbortedError);
        expect((error as AbortedError).code).toBe("ERR_ABORTED");
        expect(at - abortedAt).toBeLessThan(STOP_MS);
        await expectStoppedAndUnpublished(abortedAt, repository, "v1", prefix);
      } finally {
        await store.leases.release(built.lease);
        await client.close();
      }
      expect((await checkStore(store)).faults).toEqual([]);
      expect(await leaseDirs(store.root)).toEqual([]);
      const history = await store.history.list();
      expect(history.map((h) => h.error)).toEqual(["export was aborted: user pressed ctrl-c"]);
    }
  }, 180_000);
});

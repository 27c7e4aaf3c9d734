import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../fault-proxy.js";
import { conformanceChecks, runConformance } from "./checks.js";
import { sha256 } from "./image-documents.js";
import { pathArtifact } from "./path-artifact.js";
import { startArtifactServer, type ArtifactServer } from "./meta/artifact-server.js";
import { fileContent, fileToy, networkToy, type FileFlaw, type NetworkFlaw, type ToySource } from "./meta/toy-exporters.js";
import { ToyStore } from "./meta/toy-store.js";
import type { ArtifactProbe, ConformanceExporter, ConformanceFixture, ConformanceOptions } from "./types.js";

// The suite is only worth something if it can fail: here it runs against toy exporters, one
// correct and the others each breaking one promise of the contract, and must fail each of those
// on the check of that promise.

const payloads = ["alpha ".repeat(200), "beta ".repeat(300), "gamma ".repeat(100)];

async function toyFixture(): Promise<ConformanceFixture> {
  const dir = await mkdtemp(join(tmpdir(), "exp-conformance-meta-"));
  const store = new ToyStore();
  const source: ToySource = { payloads };
  return {
    store,
    source,
    dir,
    context: ({ signal, onProgress }) => ({ signal, store, progress: { log: () => onProgress?.({ type: "log" }) } }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

let server: ArtifactServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startArtifactServer();
  proxy = await startFaultProxy({ target: server.url });
});
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});

/** The artifact server's artifact at `/a/<name>`: its manifest and every blob it names, read from the server itself. */
const serverArtifact: ArtifactProbe = {
  async verify(target) {
    const manifest = server.objects.get(`${target}/manifest`);
    if (!manifest) throw new Error(`no manifest at ${target}`);
    for (const digest of (JSON.parse(manifest.toString("utf8")) as { blobs: string[] }).blobs) {
      const blob = server.objects.get(`${target}/blobs/${digest}`);
      if (!blob || sha256(blob) !== digest) throw new Error(`blob ${digest} of ${target} is missing or wrong`);
    }
  },
  async present(target) {
    return server.objects.has(`${target}/manifest`) ? [`${target}/manifest`] : [];
  },
};

function networkOptions(exporter: ConformanceExporter): ConformanceOptions {
  return {
    exporter,
    setup: toyFixture,
    target: ({ id }) => `/a/${id}`,
    attrs: (target) => ({ dest: `${proxy.url}${target}` }),
    artifact: serverArtifact,
    requests: () => proxy.stats.log,
    throttle: () => {
      proxy.setRules([{ every: true, fault: { type: "delay", ms: 800 } }]);
      return async () => proxy.setRules([]);
    },
    descref: true,
    abortBoundMs: 500,
  };
}

const fileArtifact = pathArtifact(async (target) => {
  const text = await readFile(target, "utf8");
  if (text !== fileContent(payloads).join("")) throw new Error(`${target} holds ${text.length} bytes, not the whole file`);
});

function fileOptions(exporter: ConformanceExporter): ConformanceOptions {
  return { exporter, setup: toyFixture, attrs: (target) => ({ dest: target }), artifact: fileArtifact, writes: "create", abortBoundMs: 500 };
}

const check = (name: string) => conformanceChecks.find((c) => c.name === name)!;

describe("the conformance suite", () => {
  it("passes a correct network exporter on every check", async () => {
    const options = networkOptions(networkToy());
    expect(conformanceChecks.filter((c) => c.applies(options)).map((c) => c.name)).toEqual([
      "refuses-unknown-attrs",
      "delivers-verified",
      "create-completes-nothing",
      "holds-what-it-writes",
      "releases-its-leases",
      "obeys-abort",
    ]);
    await runConformance(options);
  });

  it("passes a correct exporter that writes a file in its create phase", async () => {
    const options = fileOptions(fileToy());
    expect(conformanceChecks.filter((c) => c.applies(options)).map((c) => c.name)).not.toContain("create-completes-nothing");
    await runConformance(options);
  });

  const broken: Array<[NetworkFlaw, string, RegExp]> = [
    ["does-nothing", "delivers-verified", /does not verify: no manifest/],
    ["pushes-in-create", "create-completes-nothing", /wrote to the server before finalize was called: PUT \/a\//],
    ["ignores-abort", "obeys-abort", /resolved .* as if nothing happened: it ignored its signal/],
    ["rejects-but-keeps-pushing", "obeys-abort", /went on sending requests: PUT/],
    ["leaks-lease", "releases-its-leases", /1 lease\(s\) the export took are still held: .*staging/],
    ["descref-misses-blobs", "holds-what-it-writes", /finalize failed: what it needed was not held by its descref\/hold: ERR_NOT_FOUND blob sha256:/],
    ["accepts-unknown-attrs", "refuses-unknown-attrs", /accepted the unknown attribute/],
  ];
  for (const [flaw, failing, message] of broken) {
    it(`fails a network exporter that ${flaw.replace(/-/g, " ")}, on ${failing}`, async () => {
      const options = networkOptions(networkToy(flaw));
      await expect(check(failing).run(options)).rejects.toMatchObject({ code: "ERR_CONFORMANCE", check: failing, message: expect.stringMatching(message) });
      await expect(runConformance(options)).rejects.toMatchObject({ code: "ERR_CONFORMANCE" });
    });
  }

  const brokenFiles: Array<[FileFlaw, RegExp]> = [
    ["ignores-abort", /aborted right after it was called, resolved as if nothing happened/],
    ["writes-in-place", /a partial artifact is at the destination: out/],
  ];
  for (const [flaw, message] of brokenFiles) {
    it(`fails an exporter writing in create that ${flaw.replace(/-/g, " ")}, on obeys-abort`, async () => {
      const options = fileOptions(fileToy(flaw));
      await check("delivers-verified").run(options);
      await expect(check("obeys-abort").run(options)).rejects.toMatchObject({ code: "ERR_CONFORMANCE", check: "obeys-abort", message: expect.stringMatching(message) });
    });
  }

});

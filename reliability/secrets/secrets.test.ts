import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import type { ExporterInstance } from "@exp/solver";
import { createRegistryClient } from "@exp/registry";
import { SWIFT_TOOLS, skipUnlessTools } from "@exp/testing";
import { spawnExp, takeCounts, takeKillReport } from "../crash/support/exp.js";
import { registryFailureCases, s3FailureCases, usageCases } from "./cases/failures.js";
import { registryCases, s3Cases } from "./cases/success.js";
import type { RunCase } from "./cases/types.js";
import { runExp, type RunRecord } from "./support/run.js";
import { scanTree, type ScanResult } from "./support/scan-files.js";
import { startWorld, type World } from "./support/world.js";

// Issue 8, "Secrets": every command of the suite runs with known, distinctive secrets in play
// (registry passwords, bearer and identity tokens, S3 keys and session tokens; on the command
// line, in docker configs, from credential helpers and from the environment), on the paths that
// succeed and on those that fail, and everything exp prints or writes is searched for them, raw
// and encoded (see support/needles.ts). SECRETS_VERBOSE=1 prints the matrix of what was scanned,
// SECRETS_VERBOSE=2 also what each command printed on stderr.

const verbose = process.env.SECRETS_VERBOSE ?? "";

describe.skipIf(skipUnlessTools(...SWIFT_TOOLS, "docker-registry", "htpasswd", "openssl"))("secrets never leak", () => {
  let w: World;
  const runs: RunRecord[] = [];
  const trees: Array<{ label: string; result: ScanResult }> = [];

  beforeAll(async () => {
    w = await startWorld();
  }, 60_000);
  afterAll(async () => {
    if (verbose === "2") for (const r of runs) console.log(`[${r.name}] exit ${r.exit}\n${r.stderr}`);
    if (verbose) printMatrix(runs, trees);
    await w?.stop();
  });

  const exp = (name: string, argv: string[], options: RunCase["options"] = {}): Promise<RunRecord> =>
    runExp(w, name, [...argv, ...(argv[0] === "build" ? ["--root", w.store] : [])], options).then((record) => (runs.push(record), record));

  /** Runs the cases in order; each must end as intended, and none may print or write a secret. */
  const runCases = async (cases: RunCase[]) => {
    const records: RunRecord[] = [];
    for (const c of cases) {
      const record = await exp(c.name, c.argv, c.options);
      records.push(record);
      expect(record.exit, `${c.name}:\n${record.stderr}`).toBe(c.exit);
      if (c.stderr) expect(record.stderr, c.name).toMatch(c.stderr);
    }
    expect(records.flatMap((r) => r.leaks)).toEqual([]);
    return records;
  };

  /** Everything under the world's directory but the docker configs and helpers (secrets by design). */
  const scanWorld = async (label: string) => {
    const result = await scanTree(w.book, w.dir, label, ["docker", "bin"]);
    trees.push({ label, result });
    return result;
  };

  it("pushes and pulls with config auths, password grant, identity token and a credential helper", async () => {
    await runCases(registryCases(w));
    // Tokens were really issued (so the scans looked for real ones) and the identity token was used.
    expect(w.token.tokenIssuer!.issued.length).toBeGreaterThan(3);
    expect(w.token.tokenIssuer!.requests.some((r) => r.grantType === "refresh_token" && r.authorized)).toBe(true);
  }, 60_000);

  it("exports and imports the S3 cache with keys as attributes, from the environment and with session tokens", async () => {
    await runCases(s3Cases(w));
  }, 60_000);

  it("fails on wrong passwords, bad tokens, failing helpers, echoing and unreachable registries", async () => {
    await runCases(registryFailureCases(w));
    expect(w.echoBasic.echoed).toBeGreaterThan(0);
    expect(w.echoBearer.echoed).toBeGreaterThan(0);
    expect(w.echoRealm.echoed).toBeGreaterThan(1);
  }, 60_000);

  it("fails on wrong S3 secrets and an unreachable endpoint", async () => {
    // The premise: Swift answers a wrongly signed GET with SignatureDoesNotMatch and the canonical
    // request it computed, signed session token included. That body reaches exp's error path.
    const probe = await w.s3.request("GET", `/${w.bucket}/manifests/buildkit`, { secretAccessKey: w.secrets.wrongS3Secret, headers: { "x-amz-security-token": w.secrets.s3SessionToken } });
    expect(probe.errorCode).toBe("SignatureDoesNotMatch");
    expect(probe.body.toString("utf8")).toContain(w.secrets.s3SessionToken);
    await runCases(s3FailureCases(w));
  }, 60_000);

  it("rejects command-line mistakes without repeating the secrets next to them", async () => {
    await runCases(usageCases(w));
  }, 30_000);

  it("history, du and store check show what the builds recorded, in both formats", async () => {
    const root = ["--root", w.store];
    const ls = await exp("history ls --format json", ["history", "ls", ...root, "--format", "json"]);
    const ids = (JSON.parse(ls.stdout) as Array<{ id: string; error?: string }>).map((r) => r.id);
    // Every build made a record, the failed ones with their error.
    expect(ids.length).toBeGreaterThanOrEqual(15);
    const cases: RunCase[] = [
      { name: "history ls", argv: ["history", "ls", ...root], exit: 0 },
      ...ids.flatMap((id): RunCase[] => [
        { name: `history inspect ${id}`, argv: ["history", "inspect", id, ...root], exit: 0 },
        { name: `history inspect ${id} --format json`, argv: ["history", "inspect", id, ...root, "--format", "json"], exit: 0 },
      ]),
      { name: "du", argv: ["du", ...root], exit: 0 },
      { name: "du --format json", argv: ["du", ...root, "--format", "json"], exit: 0 },
      { name: "store check", argv: ["store", "check", ...root], exit: 0 },
      { name: "store check --format json", argv: ["store", "check", ...root, "--format", "json"], exit: 0 },
    ];
    await runCases(cases);
    expect(ls.leaks).toEqual([]);
  }, 30_000);

  it("library-only builds whose exports fail with secrets in their errors write none to their store", async () => {
    // Issue 17 point 3: no CLI around them to rewrite the history record afterwards. One push is
    // refused by a registry echoing the credentials it was sent; one exporter (a plugin's, say)
    // fails with a credential the caller gave it and declares to runExport as a secret.
    const root = join(w.dir, "library-store");
    const store = await openContentStore(root);
    const registry = createRegistryClient({ insecure: [w.echoBasic.host], credentials: { [w.echoBasic.host]: { username: w.secrets.username, password: w.secrets.basicPassword } } });
    const pluginSecret = w.secrets.helperSecret;
    const plugin: ExporterInstance = {
      type: "plugin",
      name: "exporting to a plugin's destination",
      export: async () => ({
        response: {},
        finalize: async () => {
          throw new Error(`upload to https://exp:${pluginSecret}@uploads.example/app refused (token ${pluginSecret})`);
        },
      }),
    };
    const echoedBefore = w.echoBasic.echoed;
    try {
      const built = await buildImage({ context: w.context, store, registry });
      const cases = [
        { buildId: "library-echo", exporter: registryExporter.resolve({ name: `${w.echoBasic.host}/app:library` }) },
        { buildId: "library-plugin", exporter: plugin },
      ];
      for (const { buildId, exporter } of cases) {
        const failure = await runExport({ source: built.source, exporters: [exporter], store, registry, buildId, secrets: [w.secrets.basicPassword, pluginSecret] }).catch((error: unknown) => error);
        expect(failure, buildId).toBeInstanceOf(Error);
        expect((await store.history.get(buildId))?.error, buildId).toBeTruthy();
      }
      await store.leases.release(built.lease);
    } finally {
      await registry.close();
    }
    // The premises: the registry did echo the credentials, and the plugin's error carried its secret.
    expect(w.echoBasic.echoed).toBeGreaterThan(echoedBefore);
    expect((await store.history.get("library-plugin"))?.error).toBe("upload to https://exp:****@uploads.example/app refused (token ****)");
    const scan = await scanTree(w.book, root, "library-only store");
    trees.push({ label: "library-only store", result: scan });
    expect(scan.leaks).toEqual([]);
  }, 60_000);

  it("a refused push killed at each step of writing its history leaves no secret in the store", async () => {
    // The coordinator writes the record, then the CLI rewrites it with the full request: a kill
    // between (or inside) those writes must find a masked record either way.
    const root = join(w.dir, "killed-store");
    const report = join(w.dir, "kill-report.json");
    const argv = ["build", w.context, "-t", `${w.echoBasic.host}/app:killed`, "--push", "--root", root];
    const env = { DOCKER_CONFIG: w.configs.good, PATH: `${w.bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
    const counted = await spawnExp(argv, { root, mode: "count", report }, w.home, env);
    expect(counted.code, counted.stderrTail).toBe(1);
    const ticks = (await takeCounts(report)).history;
    expect(ticks).toBeGreaterThanOrEqual(2);
    for (let at = 0; at < ticks; at++) {
      const outcome = await spawnExp(argv, { root, mode: "kill", phase: "history", at, report }, w.home, env);
      expect(outcome.signal, `history tick ${at}: ${outcome.stderrTail}`).toBe("SIGKILL");
      expect(await takeKillReport(report), `history tick ${at}`).toBeDefined();
      const scan = await scanTree(w.book, root, `store killed at history tick ${at}`);
      trees.push({ label: `store killed at history tick ${at}`, result: scan });
      expect(scan.leaks, `history tick ${at}`).toEqual([]);
    }
  }, 180_000);

  it("leaves no secret in the store, HOME, the outputs, or the blobs and requests exp sent", async () => {
    const world = await scanWorld("world (store, HOME, outputs, metadata, traces)");
    // The store holds blobs, leases and history records; the outputs an OCI layout and archive.
    expect(world.stats.files).toBeGreaterThan(50);
    expect(world.stats.nested).toBeGreaterThan(10);
    expect(world.leaks).toEqual([]);
    // What exp sent to the servers: pushed image and cache blobs and manifests, S3 objects (and
    // their names in Swift's databases), and the token requests the issuer recorded.
    for (const [label, dir] of [
      ["basic registry storage", w.basic.dataDir],
      ["token registry storage", w.token.dataDir],
      ["Swift storage", w.s3.dataDir],
    ] as const) {
      const result = await scanTree(w.book, dir, label);
      trees.push({ label, result });
      expect(result.stats.files, label).toBeGreaterThan(0);
      expect(result.leaks, label).toEqual([]);
    }
    expect(w.book.scan("token issuer's request log", JSON.stringify(w.token.tokenIssuer!.requests))).toEqual([]);
  }, 60_000);

  it("history rm and prune leave nothing behind either", async () => {
    const root = ["--root", w.store];
    const ls = await exp("history ls --format json (before rm)", ["history", "ls", ...root, "--format", "json"]);
    const first = (JSON.parse(ls.stdout) as Array<{ id: string }>)[0]!.id;
    await runCases([
      { name: `history rm ${first}`, argv: ["history", "rm", first, ...root], exit: 0 },
      { name: "prune --keep-duration 1h -f", argv: ["prune", "--keep-duration", "1h", "-f", ...root], exit: 0 },
      { name: "prune -a -f", argv: ["prune", "-a", "-f", ...root], exit: 0 },
      { name: "store check after prune", argv: ["store", "check", ...root], exit: 0 },
    ]);
    const after = await scanWorld("world after prune");
    expect(after.leaks).toEqual([]);
  }, 30_000);
});

function printMatrix(runs: readonly RunRecord[], trees: ReadonlyArray<{ label: string; result: ScanResult }>): void {
  const lines = runs.map((r) => `${String(r.exit).padEnd(2)} ${r.name.padEnd(80)} ${r.scanned.join(", ")}${r.leaks.length ? `  LEAKS: ${r.leaks.length}` : ""}`);
  for (const { label, result } of trees) {
    lines.push(`-- ${label}: ${result.stats.files} files, ${result.stats.bytes} bytes, ${result.stats.nested} gzip/tar members${result.leaks.length ? `  LEAKS: ${result.leaks.length}` : ""}`);
  }
  console.log(`exit command / scanned\n${lines.join("\n")}`);
}

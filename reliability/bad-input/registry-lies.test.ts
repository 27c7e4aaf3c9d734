import { readFile } from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { describeCorpus } from "./support/corpus.js";
import { startLyingRegistry } from "./support/lying-registry.js";
import { runExp, sandbox } from "./support/sandbox.js";
import { registryLieCases, type RegistryRig } from "./registry-lies.cases.js";

// One real registry (Debian's docker-registry) behind one lying proxy for the whole theme; each
// case sets the proxy's lies in its setup. Skipped without docker-registry (failing under CI=true).
const skip = skipUnlessTools("docker-registry");
let registry: TestRegistry | undefined;
const rig = {} as RegistryRig;

beforeAll(async () => {
  if (skip) return;
  registry = await startRegistry();
  rig.registry = await startLyingRegistry(registry.url);
  // The base image and a registry cache, pushed while the proxy still tells the truth.
  const seed = await sandbox();
  try {
    const pushed = await runExp(seed, [
      "build",
      seed.context,
      "-t",
      `${rig.registry.host}/base:1`,
      "--push",
      "--cache-to",
      `type=registry,ref=${rig.registry.host}/cache:1,mode=max`,
      "--metadata-file",
      seed.path("fresh", "meta.json"),
      // The lies are told about a plain image manifest: no attestation index around it.
      "--provenance=false",
    ]);
    if (pushed.exit !== 0) throw new Error(`seeding the registry failed:\n${pushed.stderr}`);
    const metadata = JSON.parse(await readFile(seed.path("fresh", "meta.json"), "utf8")) as Record<string, string>;
    rig.manifest = metadata["containerimage.digest"]!;
    const manifest = (await (await fetch(`${registry.url}/v2/base/manifests/${rig.manifest}`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).json()) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    rig.config = manifest.config.digest;
    rig.layer = manifest.layers[0]!.digest;
  } finally {
    await seed.cleanup();
  }
}, 60_000);

afterAll(async () => {
  await rig.registry?.close();
  await registry?.stop();
});

describeCorpus("registry answers that lie", registryLieCases(rig), { skip });

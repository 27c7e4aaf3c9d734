import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { withAttestations } from "../../packages/cli/src/attest/make-attestations.js";
import { timedExport, writeRandomContext, type ExportPlan } from "../rig/image-from-cache.js";
import { defaultLink, startRig } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;

/**
 * Issue 15's cost of attestations: the seed's export (an image built from cache, 10 × 30 MiB, to a
 * registry and its cache, mode=max, to S3, each over its own 60 MiB/s link, in parallel), once as
 * it is and once with the attestations `--provenance mode=min --sbom true` makes, timed from the
 * build's end to the export's: making them (the provenance, and the SBOM, which reads every layer
 * of the image) is part of the cost. Rounds alternate which goes first.
 */
export const scenario: Scenario = {
  name: "attest",
  description: `the seed's export (${layers * mibPerLayer} MiB image in ${layers} layers from cache → registry, cache (max) → S3, ${defaultLink.mibPerSecond} MiB/s links, in parallel) with mode=min provenance and an SBOM vs without`,
  baseline: "the same export without attestations, in the same round (exp's own; BuildKit makes the SBOM in a scanner container before its export)",
  targets: [{ metric: "attested_over_plain", max: 1.05 }],
  async run({ signal, log, runs }) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-attest-"));
    const rig = await startRig({ registries: 1, s3: true, signal, scenario: "attest" });
    try {
      const context = join(dir, "context");
      await writeRandomContext(context, layers, mibPerLayer);
      const store = await openContentStore(join(dir, "store"));
      const registry = rig.registries[0]!.link.host;
      let n = 0;
      const plan = (): ExportPlan => {
        n++;
        return { images: [`${registry}/attest/run-${n}:v1`], s3Cache: { s3: rig.s3!, prefix: `run-${n}/`, mode: "max" } };
      };
      const links = [rig.registries[0]!.link, rig.s3!.link];
      const once = async (attested: boolean) => {
        for (const link of links) await link.reset();
        return timedExport({
          context,
          store,
          plan: plan(),
          signal,
          ...(attested
            ? {
                attest: (built) =>
                  withAttestations(built.source, { provenance: { mode: "min", version: "v1", filename: "provenance.json", reproducible: false, inlineOnly: false }, sbom: { kind: "sbom" } }, {
                    buildId: `attest-${n}`,
                    startedOn: new Date(),
                    finishedOn: new Date(),
                    facts: built.facts,
                    buildArgs: {},
                    labels: {},
                    platforms: [],
                    namedContexts: {},
                    imageName: `${registry}/attest/run-${n}:v1`,
                    env: {},
                    warn: log,
                    signal,
                  }),
              }
            : {}),
        });
      };
      log("warm-up: build and compress once (the build-from-cache state), push once with attestations");
      await once(true);
      const plain: number[] = [];
      const attested: number[] = [];
      const attestedCpu: number[] = [];
      const plainCpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        for (const kind of i % 2 === 0 ? ["plain", "attested"] : ["attested", "plain"]) {
          const timed = await once(kind === "attested");
          (kind === "attested" ? attested : plain).push(timed.ms);
          (kind === "attested" ? attestedCpu : plainCpu).push(timed.cpuMs / 1000);
        }
        log(`round ${i + 1}: plain ${round(plain[i]!, 0)} ms, attested ${round(attested[i]!, 0)} ms`);
      }
      return {
        plain_ms: sampled(plain, 0),
        attested_ms: sampled(attested, 0),
        attested_over_plain: sampled(pairRatios(attested, plain)),
        plain_exp_cpu_s: sampled(plainCpu, 2),
        attested_exp_cpu_s: sampled(attestedCpu, 2),
        runs,
        link_mib_s: defaultLink.mibPerSecond,
        link_latency_ms: defaultLink.latencyMs,
      };
    } finally {
      await rig.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

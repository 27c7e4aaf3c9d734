import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { withAttestations } from "../../packages/cli/src/attest/make-attestations.js";
import { timedExport, writeRandomContext, type ExportPlan } from "../rig/image-from-cache.js";
import { defaultLink, withRig, linkFigures } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;

/**
 * Issue 15's cost of attestations: the seed's export (an image built from cache, 10 × 30 MiB, to a
 * registry and its cache, mode=max, to S3, each over its own 60 MiB/s link, in parallel), once as
 * it is and once with the attestations `--provenance mode=min --sbom true` makes, timed from the
 * build's end to the export's: making them is part of the cost. The premise is a rebuild from
 * cache, so the SBOM's scan of these layers is kept from the last build, as BuildKit keeps its
 * scanner's run (an exec op cached by its inputs; frontend/attestations/sbom/sbom.go makes it,
 * and only --no-cache, IgnoreCache, runs it again): that is the target's row. The same export with
 * the scan made afresh (--no-cache; it reads every layer of the image) is measured beside it.
 * Rounds rotate which goes first.
 */
export const scenario: Scenario = {
  name: "attest",
  description: `the seed's export (${layers * mibPerLayer} MiB image in ${layers} layers from cache → registry, cache (max) → S3, ${defaultLink.mibPerSecond} MiB/s links, in parallel) with mode=min provenance and an SBOM (the scan of unchanged layers kept, as BuildKit caches its scanner run) vs without; a fresh scan beside it`,
  baseline: "the same export without attestations, in the same round (exp's own; BuildKit makes the SBOM in a scanner container before its export, cached like any step: frontend/attestations/sbom/sbom.go)",
  targets: [{ metric: "attested_over_plain", max: 1.05 }],
  async run({ signal, log, runs }) {
    return withRig({ registries: 1, s3: true, signal, scenario: "attest" }, async (rig, dir) => {
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
      /** `scan`: none (no attestations), "cached" (a rebuild: the scan of these layers is kept, as BuildKit caches its scanner's run), "fresh" (--no-cache: every layer read). */
      const once = async (scan: "none" | "cached" | "fresh") => {
        for (const link of links) await link.reset();
        return timedExport({
          context,
          store,
          plan: plan(),
          signal,
          ...(scan !== "none"
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
                    scanCache: { store, lease: built.lease, refresh: scan === "fresh" },
                    warn: log,
                    signal,
                  }),
              }
            : {}),
        });
      };
      log("warm-up: build and compress once (the build-from-cache state), push once with attestations");
      await once("cached");
      const kinds = ["none", "cached", "fresh"] as const;
      const ms = { none: [] as number[], cached: [] as number[], fresh: [] as number[] };
      const cpu = { none: [] as number[], cached: [] as number[], fresh: [] as number[] };
      for (let i = 0; i < runs; i++) {
        // Each round starts with another of the three, so none is always first or last.
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(i + k) % kinds.length]!;
          const timed = await once(kind);
          ms[kind].push(timed.ms);
          cpu[kind].push(timed.cpuMs / 1000);
        }
        log(`round ${i + 1}: plain ${round(ms.none[i]!, 0)} ms, attested (scan kept) ${round(ms.cached[i]!, 0)} ms, attested (fresh scan) ${round(ms.fresh[i]!, 0)} ms`);
      }
      return {
        plain_ms: sampled(ms.none, 0),
        attested_ms: sampled(ms.cached, 0),
        attested_over_plain: sampled(pairRatios(ms.cached, ms.none)),
        fresh_scan_ms: sampled(ms.fresh, 0),
        fresh_scan_over_plain: sampled(pairRatios(ms.fresh, ms.none)),
        plain_exp_cpu_s: sampled(cpu.none, 2),
        attested_exp_cpu_s: sampled(cpu.cached, 2),
        fresh_scan_exp_cpu_s: sampled(cpu.fresh, 2),
        runs,
        ...linkFigures(),
      };
    });
  },
};

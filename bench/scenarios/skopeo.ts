import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { OCI_IMAGE_MANIFEST } from "@exp/oci-spec";
import { clearSkopeoBlobCache, requireTools } from "@exp/testing";
import { stepSplit, timed, type Cost } from "../app-context/measure.js";
import { defaultLink, linkFigures, startRig } from "../rig/rig.js";
import type { Figure, Scenario } from "../scenario.js";
import { LAYOUT_VERSION, ensureLayout, type Layout } from "../skopeo/layout.js";
import { pairRatios, round, sampled } from "../stats.js";

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(repo, "packages", "cli", "dist", "bin.js");

/**
 * Two images, pushed the same way:
 * - `app`, shaped like a Node app on node:20-slim, the images exp is for: the base's layers
 *   (Debian 28 MiB, Node 42 MiB, a few small ones) and the app's (WORKDIR, package.json,
 *   node_modules 60 MiB, the built app, static files). Several layers are a few KiB, as in most
 *   real images, so round trips weigh as they do in practice. The target is judged on this one.
 * - `big`: 5 large layers only (250 MiB), where the bytes are nearly everything. On a link both
 *   tools share, exp cannot go below the link's floor (size / bandwidth), so exp/skopeo is bounded
 *   by floor/skopeo, whatever exp does. Reported to show that bound.
 */
const shapes = {
  app: [28.2, 0.0032, 41.9, 1.7, 0.0004, 0.0001, 0.001, 60, 3, 0.5],
  big: [90, 60, 45, 30, 25],
} as const;
type Shape = keyof typeof shapes;
const imageMiB = (shape: Shape) => round(shapes[shape].reduce((a, b) => a + b, 0), 1);
const kinds = ["exp", "skopeo", "exp_warm"] as const;
type Kind = (typeof kinds)[number];

/**
 * Pushing an OCI image layout that is already built, through each tool's CLI as a user types it,
 * every push a whole process timed from the shell (process start, module loading, store open,
 * the registry's ping, the upload, exit):
 * - exp, the built CLI (`node packages/cli/dist/bin.js`, not through pnpm): `exp build` of a
 *   Dockerfile that is only `FROM img`, with `--build-context img=oci-layout://<dir>:v1` and
 *   `-o type=registry,name=<link>/<repo>:v1,registry.insecure=true`. Cold: a fresh EXP_ROOT per
 *   push, so exp opens an empty store and copies the layout's blobs into it (remoteLayer's
 *   fetchBlob) on the way to the registry. exp pushes the layout's layer blobs as they are: every
 *   push's manifest is fetched and its layer digests compared with the layout's.
 * - skopeo: `skopeo copy oci:<dir>:v1 docker://<link>/<repo>:v1`, its blob-info cache cleared
 *   first (otherwise it mounts instead of uploading).
 * - exp_warm, reported beside the target, not judged: the same exp command on a store kept from
 *   the shape's warm-up push, where the layout's blobs already are (a CI runner whose store
 *   survives between jobs). skopeo has no counterpart: it keeps no blobs.
 * Both go through the same link proxy (the rig's default CI uplink: 60 MiB/s shared by every
 * connection, 20 ms before each request), each push into a fresh repository; the rig's
 * registry asks for no credentials, so "auth" is the ping alone. The default link, not one picked
 * for this scenario, so its numbers compare with the other scenarios'. Wall and CPU (user + sys
 * of the process and its children) come from GNU time; exp's `--progress rawjson` events split
 * its wall into the export (the copy into the store and the upload) and what is outside any step
 * (Node's start, loading modules, opening the store, exit).
 *
 * Where a difference can come from, on a shared link where the bytes alone take
 * image size / bandwidth (`link_floor_ms`) whoever sends them: skopeo 1.9 copies an OCI layout's
 * layers one at a time (containers/image's OCI layout source says HasThreadSafeGetBlob false;
 * `skopeo copy --debug` shows it), each after HEAD, HEAD, POST, then a PATCH with the bytes and a
 * PUT whose commit it waits for; exp pushes every blob at once (4 blob slots per host: HEAD, POST,
 * then one PUT with the bytes), so round trips and commits overlap other blobs' bytes. The link
 * gives one connection its whole bandwidth (see Link's burstMs). What cold costs beyond warm
 * (`exp_export_ms` against `exp_warm_export_ms`, and the CPU): exp's pushLayer awaits the base
 * layer's fetchBlob before its upload starts, so each layout blob is read, verified and written
 * into the store whole, then read from the store again and sent; a warm store skips the copy.
 *
 * The earlier `exp_serial` control (exp with one blob slot, as skopeo) is gone: it set the
 * registry client's per-host blob limit in process, and the CLI has no flag or variable for that
 * limit (@exp/registry's defaultHostLimits, 4), so a whole-process run cannot reproduce it; its
 * last in-process figures are in this file's git history (app 0.86 of skopeo, big 0.94).
 * The layouts are built once and kept under the system temp dir between runs.
 */
export const scenario: Scenario = {
  name: "skopeo",
  description: `push of an existing OCI layout shaped like a Node app (${imageMiB("app")} MiB, ${shapes.app.length} layers) and of one of ${shapes.big.length} big layers (${imageMiB("big")} MiB), whole processes: the built exp CLI (exp build FROM an oci-layout:// context, -o type=registry; cold = fresh EXP_ROOT, warm beside it) vs skopeo copy (blob-info cache cleared), same ${defaultLink.mibPerSecond} MiB/s + ${defaultLink.latencyMs} ms link`,
  baseline:
    "skopeo 1.9.3 (Debian) through its CLI, `skopeo copy oci:<layout>:v1 docker://<registry>/<repo>:v1`, blob-info cache cleared, the same layout, link and registry; timed as a whole process against the built exp CLI's whole process with a cold store (fresh EXP_ROOT); the big-layer image is bounded by the link's floor (bytes / bandwidth)",
  targets: [{ metric: "app_exp_over_skopeo", max: 0.8 }],
  async run({ signal, log, runs }) {
    const tools = requireTools(["skopeo"]);
    if (!tools.available) throw new Error(`pnpm bench skopeo needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
    log("building the packages (pnpm build)");
    await run("pnpm", ["build"], { cwd: repo, signal, maxBuffer: 16 << 20 });
    const work = join(tmpdir(), `exp-bench-skopeo-run-${process.pid}`);
    const context = join(work, "context");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "Dockerfile"), "FROM img\n");
    const rig = await startRig({ registries: 1, signal, scenario: "skopeo" });
    const { link, server } = rig.registries[0]!;
    let n = 0;
    let redone = 0;
    const notReused: string[] = [];
    const measure = async (shape: Shape): Promise<Record<string, Figure>> => {
      const layout = await ensureLayout(join(tmpdir(), `exp-bench-skopeo-layout-v${LAYOUT_VERSION}-${shapes[shape].join("-")}`), shapes[shape], log);
      const layoutBytes = layout.layers.reduce((sum, l) => sum + l.size, 0);
      const warmRoot = join(work, `${shape}-warm-root`);
      /**
       * One push, timed, with what went through the link (to prove a full upload, and count
       * requests). A push that met a 502 is thrown away and made again: the registry never
       * answers 502, the link proxy does when it ends its upstream request before writing the
       * body's last chunk (seen with skopeo's chunked PATCH); that is the rig's fault, and the
       * push (failed, or retried inside exp's client) measures nothing.
       */
      const measured = async (kind: Kind): Promise<Push> => {
        for (let attempt = 1; ; attempt++) {
          const repository = `bench/run-${++n}`;
          const target = `${link.host}/${repository}:v1`;
          const logs = join(work, `${kind}-${n}`);
          if (kind === "skopeo") await clearSkopeoBlobCache({ signal });
          const root = kind === "exp" ? join(work, `root-${n}`) : warmRoot;
          await link.reset();
          const push =
            kind === "skopeo"
              ? timed("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", `oci:${layout.dir}:${layout.tag}`, `docker://${target}`], { log: logs, signal })
              : timed(process.execPath, [cli, "build", context, "--progress", "rawjson", "--build-context", `img=oci-layout://${layout.dir}:${layout.tag}`, "-o", `type=registry,name=${target},registry.insecure=true`], { log: logs, signal, env: { ...process.env, NODE_OPTIONS: "", EXP_ROOT: root } });
          const outcome = await push.then(
            (cost) => ({ cost }),
            (error: unknown) => ({ error }),
          );
          const stats = await link.stats();
          if (kind === "exp") await rm(root, { recursive: true, force: true });
          if (stats.log.some((e) => e.status === 502) && attempt < 4) {
            redone++;
            log(`a push met the link proxy's 502 (${"error" in outcome ? "failed" : "retried inside exp's client"}): made again`);
            continue;
          }
          if ("error" in outcome) throw outcome.error;
          if (stats.requestBytes < layoutBytes) throw new Error(`${kind}: only ${stats.requestBytes} bytes went through the link: something was mounted or skipped`);
          let split: Push["split"];
          if (kind !== "skopeo") {
            const events = stepSplit(await readFile(`${logs}.err`, "utf8"));
            split = { export_ms: events.export_ms, outside_ms: outcome.cost.wall_ms - events.events_ms };
            const mismatch = await layersDiffer(server.url, repository, layout, signal);
            if (mismatch) notReused.push(`${shape} ${kind}: ${mismatch}`);
          }
          return { cost: outcome.cost, requests: stats.requests, ...(split ? { split } : {}) };
        }
      };
      log(`${shape}: warm-up, one untimed push each (page cache, skopeo's binary; fills exp_warm's store)`);
      for (const kind of kinds) await measured(kind);
      const pushes: Record<Kind, Push[]> = { exp: [], skopeo: [], exp_warm: [] };
      for (let i = 0; i < runs; i++) {
        // The order rotates, so no push always follows the same other one (registry writes, page cache).
        for (const kind of [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)]) pushes[kind].push(await measured(kind));
        log(`${shape} round ${i + 1}: ${kinds.map((k) => `${k} ${round(pushes[k][i]!.cost.wall_ms, 0)} ms (cpu ${round(pushes[k][i]!.cost.cpu_s, 2)} s, ${pushes[k][i]!.requests} requests)`).join(", ")}`);
      }
      const ms = (k: Kind) => pushes[k].map((p) => p.cost.wall_ms);
      const cpu = (k: Kind) => sampled(pushes[k].map((p) => p.cost.cpu_s), 2);
      const split = (k: Kind, part: keyof NonNullable<Push["split"]>) => sampled(pushes[k].map((p) => p.split![part]), 0);
      const figures: Record<string, Figure> = {
        exp_ms: sampled(ms("exp"), 0),
        skopeo_ms: sampled(ms("skopeo"), 0),
        exp_warm_ms: sampled(ms("exp_warm"), 0),
        exp_over_skopeo: sampled(pairRatios(ms("exp"), ms("skopeo"))),
        exp_warm_over_skopeo: sampled(pairRatios(ms("exp_warm"), ms("skopeo"))),
        // The floor all share: every byte of the image through the link, nothing else.
        link_floor_ms: round((imageMiB(shape) / defaultLink.mibPerSecond) * 1000, 0),
        exp_export_ms: split("exp", "export_ms"),
        exp_outside_steps_ms: split("exp", "outside_ms"),
        exp_warm_export_ms: split("exp_warm", "export_ms"),
        exp_warm_outside_steps_ms: split("exp_warm", "outside_ms"),
        exp_cpu_s: cpu("exp"),
        exp_warm_cpu_s: cpu("exp_warm"),
        skopeo_cpu_s: cpu("skopeo"),
        exp_cpu_s_per_gib: sampled(pushes.exp.map((p) => p.cost.cpu_s / (layoutBytes / 2 ** 30)), 2),
        exp_warm_cpu_s_per_gib: sampled(pushes.exp_warm.map((p) => p.cost.cpu_s / (layoutBytes / 2 ** 30)), 2),
        skopeo_cpu_s_per_gib: sampled(pushes.skopeo.map((p) => p.cost.cpu_s / (layoutBytes / 2 ** 30)), 2),
        exp_requests: sampled(pushes.exp.map((p) => p.requests), 0),
        skopeo_requests: sampled(pushes.skopeo.map((p) => p.requests), 0),
        image_mib: imageMiB(shape),
        layers: shapes[shape].length,
      };
      return Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${shape}_${k}`, v]));
    };
    try {
      const figures = { ...(await measure("app")), ...(await measure("big")) };
      if (notReused.length > 0) log(`exp did not push the layout's layer blobs as they are: ${notReused.join("; ")}`);
      return {
        ...figures,
        exp_pushed_layout_layers: notReused.length === 0 ? "yes, every exp push: the manifest's layer digests are the layout's" : `no: ${notReused.join("; ")}`,
        cpu_measure: "user + sys from GNU time (/usr/bin/time), the process and the children it waited for",
        pushes_redone_after_proxy_502: redone,
        runs,
        ...linkFigures(),
      };
    } finally {
      await rig.stop();
      await rm(work, { recursive: true, force: true });
    }
  },
};

interface Push {
  cost: Cost;
  /** Requests through the link: round trips, each paying the link's latency. */
  requests: number;
  /** exp only, from its rawjson events: the export step, and the wall time outside every event. */
  split?: { export_ms: number; outside_ms: number };
}

/** Why the pushed manifest's layers are not the layout's (recompressed, reordered, missing), or undefined when they are. */
async function layersDiffer(registryUrl: string, repository: string, layout: Layout, signal: AbortSignal): Promise<string | undefined> {
  const response = await fetch(`${registryUrl}/v2/${repository}/manifests/v1`, { headers: { accept: OCI_IMAGE_MANIFEST }, signal });
  if (!response.ok) return `the registry answered ${response.status} for the pushed manifest`;
  const manifest = (await response.json()) as { layers?: Array<{ digest: string }> };
  const pushed = (manifest.layers ?? []).map((l) => l.digest);
  const expected = layout.layers.map((l) => l.digest);
  return pushed.join(",") === expected.join(",") ? undefined : `pushed layers ${pushed.map((d) => d.slice(7, 19)).join(",")} instead of ${expected.map((d) => d.slice(7, 19)).join(",")}`;
}

import { appendFile, rename, rm } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { AbortedError, throwIfAborted, UnknownOptionError } from "@exp/errors";
import { httpRequest } from "../../http-request.js";
import type { ConformanceExporter, ConformanceExportResult } from "../types.js";
import type { ToyStore } from "./toy-store.js";

/** The meta-test's source: a few payloads an exporter turns into blobs. */
export interface ToySource {
  payloads: string[];
}

interface ToyContext {
  signal: AbortSignal;
  store: ToyStore;
  progress: { log(message: string): void };
}

/** Ways a network exporter can break the contract, one at a time. */
export type NetworkFlaw = "does-nothing" | "pushes-in-create" | "ignores-abort" | "rejects-but-keeps-pushing" | "leaks-lease" | "descref-misses-blobs" | "accepts-unknown-attrs";

/** Ways an exporter writing a file in its create phase can break the contract. */
export type FileFlaw = "ignores-abort" | "writes-in-place";

function readAttrs(type: string, attrs: Readonly<Record<string, string>>, lax: boolean): string {
  for (const key of Object.keys(attrs)) if (key !== "dest" && !lax) throw new UnknownOptionError(`exporter ${type}`, key, ["dest"]);
  const dest = attrs.dest;
  if (!dest) throw new Error("dest is required");
  return dest;
}

async function put(url: string, body: Buffer, signal: AbortSignal | undefined): Promise<void> {
  const response = await httpRequest(url, { method: "PUT", body, ...(signal ? { signal } : {}) });
  if (response.status !== 201) throw new Error(`PUT ${url} answered ${response.status}`);
}

/**
 * A toy exporter that pushes its payloads as blobs, then a manifest naming them, to
 * `dest` (`<server>/a/<name>` of the artifact server), as an image exporter pushes to a registry:
 * with no flaw, it keeps every promise of the contract; each flaw breaks one.
 */
export function networkToy(flaw?: NetworkFlaw): ConformanceExporter {
  const type = `toy-network${flaw ? `-${flaw}` : ""}`;
  return {
    type,
    resolve(attrs) {
      const dest = readAttrs(type, attrs, flaw === "accepts-unknown-attrs");
      return {
        type,
        name: `pushing to ${dest}`,
        async export(source: ToySource, ctx: ToyContext): Promise<ConformanceExportResult> {
          const { store } = ctx;
          if (flaw === "does-nothing") return { response: {}, finalize: async () => {} };
          const lease = await store.leases.create({ labels: { toy: type } });
          // A lease for staging that is never released.
          if (flaw === "leaks-lease") await store.leases.create({ labels: { toy: `${type} staging` } });
          const blobs: Array<{ digest: string; size: number }> = [];
          for (const payload of source.payloads) blobs.push(await store.write(payload, flaw === "descref-misses-blobs" ? undefined : lease.id));
          const manifest = Buffer.from(JSON.stringify({ blobs: blobs.map((b) => b.digest) }));
          const root = await store.write(manifest, lease.id);
          const upload = async (signal: AbortSignal | undefined) => {
            for (const blob of blobs) await put(`${dest}/blobs/${blob.digest}`, await store.read(blob.digest, signal ? { signal } : {}), signal);
            await put(`${dest}/manifest`, manifest, signal);
          };
          if (flaw === "pushes-in-create") await upload(ctx.signal);
          let released: Promise<void> | undefined;
          const descref = {
            descriptor: { mediaType: "application/vnd.exp.toy.manifest+json", digest: root.digest, size: root.size },
            release: () => (released ??= store.leases.release(lease.id)),
          };
          return {
            response: { "toy.digest": root.digest },
            descref,
            finalize: async ({ signal }) => {
              if (flaw === "pushes-in-create") return;
              if (flaw === "ignores-abort") return upload(undefined);
              if (flaw === "rejects-but-keeps-pushing") {
                const work = upload(undefined);
                work.catch(() => undefined);
                return new Promise<void>((resolve, reject) => {
                  signal.addEventListener("abort", () => reject(new AbortedError("toy finalize", signal.reason)), { once: true });
                  void work.then(resolve, reject);
                });
              }
              return upload(signal);
            },
          };
        },
      };
    },
  };
}

/** The payloads as the file toy writes them: one line each, then an END line with their count, so a cut file is told apart. */
export function fileContent(payloads: readonly string[]): string[] {
  return [...payloads.map((p) => `${p}\n`), `END ${payloads.length}\n`];
}

/**
 * A toy exporter that writes its payloads to the file `dest` in its create phase, as type=tar
 * does: with no flaw, into a temp file beside it, renamed over it once whole, checking the signal
 * between writes.
 */
export function fileToy(flaw?: FileFlaw): ConformanceExporter {
  const type = `toy-file${flaw ? `-${flaw}` : ""}`;
  return {
    type,
    resolve(attrs) {
      const dest = readAttrs(type, attrs, false);
      return {
        type,
        name: `writing ${dest}`,
        async export(source: ToySource, ctx: ToyContext): Promise<ConformanceExportResult> {
          const check = () => {
            if (flaw !== "ignores-abort") throwIfAborted(ctx.signal, "writing the toy file");
          };
          check();
          const path = flaw === "writes-in-place" ? dest : `${dest}.tmp`;
          try {
            for (const line of fileContent(source.payloads)) {
              await nextTurn();
              check();
              await appendFile(path, line);
              ctx.progress.log(`wrote ${line.length} bytes`);
            }
            check();
            if (path !== dest) await rename(path, dest);
          } catch (error) {
            if (path !== dest) await rm(path, { force: true });
            throw error;
          }
          return { response: {} };
        },
      };
    },
  };
}

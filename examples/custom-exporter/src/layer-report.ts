import { rename, writeFile } from "node:fs/promises";
import { AttrReader, compressionTypes, descriptorReference, digestOf, type Descriptor, type Exporter, type ExporterInstance, type LayerBlob } from "@exp/solver";

/**
 * `--output type=@exp/example-custom-exporter,dest=report.json[,compression=zstd]`: the output type
 * of a plugin is its package name ("layer-report" is only this exporter's own name, in `type`).
 *
 * Create phase: makes each layer's blob in the requested compression (through the build's shared
 * LayerBlobs, so a layer another exporter already compressed is not compressed again), and stores
 * a JSON report of them in the content store under its own lease, handed over as the descref.
 * Finalize: delivers the report to `dest`, atomically (temp file, then rename).
 */
export const exporter: Exporter = {
  type: "layer-report",
  resolve(attrs): ExporterInstance {
    const options = new AttrReader("exporter @exp/example-custom-exporter", attrs, ["dest", "compression"]);
    const dest = options.required("dest", "give the path of the report file, e.g. dest=report.json");
    const compression = options.oneOf("compression", compressionTypes, "gzip");
    return {
      type: "layer-report",
      name: `exporting layer report to ${dest}`,
      async export(source, ctx) {
        const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": "layer-report" } });
        try {
          const platforms = [];
          for (const result of source.results) {
            const blobs: LayerBlob[] = [];
            for (const layer of result.ref.layers) {
              blobs.push(await ctx.blobs.get(layer, { type: compression }, { lease: lease.id, signal: ctx.signal, progress: ctx.progress }));
            }
            platforms.push({
              platform: result.platform,
              layers: blobs.map((b) => ({ diffID: b.diffID, blob: b.descriptor.digest, size: b.descriptor.size, compression: b.compression })),
            });
          }
          const report = `${JSON.stringify({ build: ctx.buildId, platforms }, null, 2)}\n`;
          const written = await ctx.store.writeBlob(report, { lease: lease.id });
          const descriptor: Descriptor = { mediaType: "application/vnd.exp.layer-report.v1+json", digest: written.digest, size: written.size };
          return {
            response: { "layer-report.digest": digestOf(report) },
            descref: descriptorReference(ctx.store, lease.id, descriptor),
            finalize: async ({ signal }) => {
              const bytes = await ctx.store.readAll(descriptor.digest, { signal });
              const temp = `${dest}.${process.pid}.tmp`;
              await writeFile(temp, bytes, { signal });
              await rename(temp, dest);
            },
          };
        } catch (error) {
          // Nothing was handed over: the lease is still ours to release.
          await ctx.store.leases.release(lease.id);
          throw error;
        }
      },
    };
  },
};

import { createWriteStream, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { InvalidOptionError } from "@exp/errors";
import { tempPathFor } from "@exp/content";
import { checkAnnotationsFit, checkAttestationsFit, commitImage, goTime, imageCommitKeys, parseImageCommitOptions, resolveNames } from "@exp/image-writer";
import { AttrReader, descriptorReference, type Exporter, type ExporterInstance, type ExportResult } from "@exp/solver";
import { dockerManifestJson, imageBlobs, indexEntries, indexJson, ociLayoutFile } from "./layout-files.js";
import { writeArchive } from "./write-archive.js";
import { writeLayout } from "./write-layout.js";

export interface OciExporterOptions {
  /** Where `dest=-` writes when the export's context names no stdout (ExportContext.stdout); process.stdout by default. */
  stdout?: Writable;
}

/**
 * `type=oci` and `type=docker`: the image committed as by the image exporter, then written as an
 * archive (streamed to `dest`, a file or `-`) or, with `tar=false`, as an OCI layout directory.
 * All of it happens in the create phase (local I/O, like BuildKit's); there is nothing to finalize.
 */
/** The option table of `type=oci` and `type=docker` (what their AttrReader accepts). */
export const ociExporterKeys = [...imageCommitKeys, "dest", "tar"] as const;

export function createOciExporter(type: "oci" | "docker", options: OciExporterOptions = {}): Exporter {
  return {
    type,
    resolve(attrs): ExporterInstance {
      const component = `exporter ${type}`;
      const reader = new AttrReader(component, attrs, ociExporterKeys);
      const dest = reader.required("dest", type === "oci" ? "give a file (dest=image.tar), - for stdout, or a directory with tar=false" : "give a file (dest=image.tar) or - for stdout");
      const tar = reader.bool("tar", true);
      const commit = parseImageCommitOptions(reader, attrs, { ociMediaTypes: true, attestationInline: false });
      if (type === "docker" && !tar) throw new InvalidOptionError(component, "tar", "false", "true: a docker archive is always a tarball (use type=oci,tar=false for a layout directory)");
      if (!tar && dest === "-") throw new InvalidOptionError(component, "dest", "-", "a directory when tar=false");
      checkDest(component, dest, tar);
      return {
        type,
        name: `exporting to ${type} image format`,
        wantsInlineCache: true,
        // With rewrite-timestamp the layers are rewritten at export, so blobs made of the build's
        // own layers would go unused: no hint then.
        ...(commit.rewriteTimestamp ? {} : { layerCompression: commit.compression }),
        async export(source, ctx): Promise<ExportResult> {
          if (type === "docker" && source.results.length > 1) {
            throw new InvalidOptionError(component, "platform", source.results.map((r) => `${r.platform.os}/${r.platform.architecture}`).join(","), "a single platform: a docker archive cannot hold a manifest list");
          }
          checkAnnotationsFit(component, commit, source);
          checkAttestationsFit(component, commit, source);
          const names = resolveNames(commit.names, source);
          const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": type } });
          try {
            const image = await commitImage(source, ctx, commit, lease.id);
            const epoch = commit.sourceDateEpoch ?? source.metadata.sourceDateEpoch;
            // exporter/oci/export.go: time.RFC3339, no fraction.
            const created = goTime(new Date(epoch === undefined ? Date.now() : epoch * 1000), "RFC3339");
            const entries = indexEntries(image.root, names, created);
            const blobs = imageBlobs(image);
            if (!tar) await writeLayout(ctx.store, blobs, entries, dest, ctx.signal);
            else {
              const files = [
                { name: "index.json", content: indexJson(entries), mode: 0o644 },
                { name: "oci-layout", content: ociLayoutFile, mode: 0o444 },
                ...(type === "docker" ? [{ name: "manifest.json", content: dockerManifestJson(image, names), mode: 0o644 }] : []),
              ];
              // BuildKit's "sending tarball" (exporter/oci/export.go).
              const sent = ctx.progress.oneOff("tarball", "sending tarball");
              await writeToDest(dest, ctx.stdout ?? options.stdout ?? process.stdout, (out) => writeArchive(ctx.store, blobs, files, out, ctx.signal)).then(() => sent(), (error: unknown) => {
                sent(error);
                throw error;
              });
            }
            return {
              response: {
                "containerimage.digest": image.root.digest,
                "containerimage.descriptor": Buffer.from(JSON.stringify(image.root)).toString("base64"),
                ...(image.platforms.length === 1 && !source.multiPlatform ? { "containerimage.config.digest": image.platforms[0]!.config.digest } : {}),
                ...(names.length > 0 ? { "image.name": names.map((n) => n.toString()).join(",") } : {}),
              },
              descref: descriptorReference(ctx.store, lease.id, image.root),
            };
          } catch (error) {
            await ctx.store.leases.release(lease.id);
            throw error;
          }
        },
      };
    },
  };
}

/**
 * A destination of the wrong kind is refused when the output is resolved, before the build: an
 * archive cannot replace a directory (the rename after the whole tarball was written would fail
 * with a bare EISDIR), nor a layout be written into a file.
 */
function checkDest(component: string, dest: string, tar: boolean): void {
  if (dest === "-") return;
  const existing = statSync(dest, { throwIfNoEntry: false });
  if (tar && existing?.isDirectory()) {
    throw new InvalidOptionError(component, "dest", dest, "a file path for the archive; it is a directory (use tar=false to write an OCI layout directory)");
  }
  if (!tar && existing && !existing.isDirectory()) throw new InvalidOptionError(component, "dest", dest, "a directory for the layout (tar=false); it is a file");
}

/** A file is written to a temp sibling and renamed, so a failed export never leaves half a tarball. */
async function writeToDest(dest: string, stdout: Writable, write: (out: Writable) => Promise<void>): Promise<void> {
  if (dest === "-") {
    await write(stdout);
    return;
  }
  const temp = tempPathFor(dest);
  await mkdir(dirname(dest), { recursive: true });
  try {
    await write(createWriteStream(temp));
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export const ociExporter = createOciExporter("oci");
export const dockerExporter = createOciExporter("docker");
export const exporters: readonly Exporter[] = [ociExporter, dockerExporter];
export const exporter = ociExporter;

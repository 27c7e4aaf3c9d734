import { InvalidOptionError, MissingOptionError } from "@exp/errors";
import { createRegistryClient, type ImageReference } from "@exp/registry";
import { AttrReader, descriptorReference, type Exporter, type ExporterInstance, type ExportResult } from "@exp/solver";
import { checkAnnotationsFit, checkAttestationsFit, commitImage, hasExplicitTag, imageCommitKeys, parseImageCommitOptions, resolveNames } from "@exp/image-writer";
import { pushImage } from "./push/push-image.js";
import { storeRoots } from "./store-roots.js";
import { DANGLING_FIX, PushByDigestError } from "./push-by-digest-error.js";
import { checkDanglingPrefix, targetNames } from "./target-names.js";

/** The option table of `type=image` and `type=registry` (what their AttrReader accepts). */
export const imageExporterKeys = [...imageCommitKeys, "push", "push-by-digest", "registry.insecure", "store", "name-canonical", "dangling-name-prefix", "dangling-name-empty-only", "unpack", "referrers"] as const;

/**
 * `type=image` (and `type=registry`, the same with push=true): the create phase commits the image
 * into the content store and returns its descriptor reference; with push=true, finalize pushes it
 * to every name at once (BuildKit pushes names one after another, #3365).
 */
export function createImageExporter(type: "image" | "registry"): Exporter {
  return {
    type,
    resolve(attrs): ExporterInstance {
      const component = `exporter ${type}`;
      const reader = new AttrReader(component, attrs, imageExporterKeys);
      const commit = parseImageCommitOptions(reader, attrs, { ociMediaTypes: true, attestationInline: true });
      const push = reader.bool("push", type === "registry");
      const byDigest = reader.bool("push-by-digest", false);
      const insecure = reader.bool("registry.insecure", false);
      // type=registry is for pushing: nothing is kept locally unless asked, so base layers the
      // target registry has are mounted without being downloaded.
      const store = reader.bool("store", type === "image");
      const nameCanonical = reader.bool("name-canonical", false);
      const danglingPrefix = reader.string("dangling-name-prefix");
      if (danglingPrefix) checkDanglingPrefix(component, danglingPrefix);
      const naming = { nameCanonical, ...(danglingPrefix ? { danglingPrefix } : {}), danglingEmptyOnly: reader.bool("dangling-name-empty-only", false) };
      const referrers = reader.bool("referrers", false);
      if (referrers && !commit.ociArtifact) throw new InvalidOptionError(component, "referrers", "true", "false with oci-artifact=false (a referrer names its image in `subject`, which only OCI artifact attestation manifests have)");
      if (reader.bool("unpack", false)) throw new InvalidOptionError(component, "unpack", "true", "false: exp has no snapshotter to unpack into (use type=local for a filesystem)");
      // With a dangling-name-prefix the image always has a name to push (<prefix>@<digest>).
      if (push && commit.names.length === 0 && !danglingPrefix) throw new MissingOptionError(component, "name", "push=true needs the name(s) to push to, e.g. name=registry.example/app:1.0, or a dangling-name-prefix");
      const tagged = commit.names.find(hasExplicitTag);
      if (byDigest && tagged) throw new InvalidOptionError(component, "name", tagged, "a name without a tag when push-by-digest=true");
      // util/push/push.go: the dangling name (<prefix>@<digest>) is pushed too, and it cannot be
      // pushed by digest. Known now unless the names come from the front end (name=*).
      if (push && byDigest && danglingPrefix && (!naming.danglingEmptyOnly || commit.names.length === 0)) {
        throw new PushByDigestError(component, `${danglingPrefix}@<digest>`, DANGLING_FIX);
      }
      return {
        type,
        name: "exporting to image",
        wantsInlineCache: true,
        // With rewrite-timestamp the layers are rewritten at export, so blobs made of the build's
        // own layers would go unused: no hint then.
        ...(commit.rewriteTimestamp ? {} : { layerCompression: commit.compression }),
        async export(source, ctx): Promise<ExportResult> {
          checkAnnotationsFit(component, commit, source);
          checkAttestationsFit(component, commit, source);
          const given = resolveNames(commit.names, source);
          const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": type } });
          try {
            // Without a local copy to keep, a base layer the target registry already has is mounted, never downloaded.
            const image = await commitImage(source, ctx, commit, lease.id, { allowRemote: push && !store });
            const { targets: names, storeNames } = targetNames(given, image.root.digest, naming);
            // name=* with dangling-name-empty-only: only now is it known whether the dangling name is used.
            const digested = push && byDigest ? names.find((n) => n.digest !== undefined) : undefined;
            if (digested) throw new PushByDigestError(component, digested.toString(), DANGLING_FIX);
            if (store) {
              // BuildKit's "naming to <name>", one line per name the image gets.
              const named = names.map((name) => ctx.progress.oneOff(`naming-${name.toString()}`, `naming to ${name.toString()}`));
              await storeRoots(ctx.store, storeNames, image.root);
              for (const done of named) done();
            }
            const single = image.platforms.length === 1 && !source.multiPlatform ? image.platforms[0] : undefined;
            const response: Record<string, string> = {
              "containerimage.digest": image.root.digest,
              "containerimage.descriptor": Buffer.from(JSON.stringify(image.root)).toString("base64"),
              ...(single ? { "containerimage.config.digest": single.config.digest } : {}),
              ...(names.length > 0 ? { "image.name": names.map((n) => n.toString()).join(",") } : {}),
            };
            return {
              response,
              descref: descriptorReference(ctx.store, lease.id, image.root),
              ...(push
                ? {
                    finalize: async ({ signal, progress }) => {
                      const client = insecure || !ctx.registry ? createRegistryClient({ insecure: insecure ? names.map((n: ImageReference) => n.registry) : [] }) : ctx.registry;
                      await Promise.all(names.map((name) => pushImage(client, name, image, ctx.store, { signal, progress, byDigest, lease: lease.id, referrers })));
                    },
                  }
                : {}),
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

export const imageExporter = createImageExporter("image");
export const registryExporter = createImageExporter("registry");
export const exporters: readonly Exporter[] = [imageExporter, registryExporter];
export const exporter = imageExporter;

import { isIndexMediaType, type FetchedManifest, type ImageReference } from "@exp/oci-spec";
import { goDecode } from "./go-json.js";
import { goFormatPlatform } from "./go-format.js";
import { indexType } from "./go-types.js";
import { parseJson } from "./read-blob.js";
import { tabwrite } from "./tabwriter.js";

const pfx = "  ";

interface GoPlatform {
  Architecture: string;
  OS: string;
  OSVersion: string;
  OSFeatures: string[] | null;
  Variant: string;
}
interface GoDescriptor {
  MediaType: string;
  Digest: string;
  URLs: string[] | null;
  Annotations: Map<string, string> | null;
  Platform: GoPlatform | null;
}

/**
 * buildx's default `imagetools inspect` output (printers.go Print and printManifestList), byte
 * for byte: Name, MediaType and Digest aligned by a tabwriter; for an index a blank line, then
 * "Manifests:" and per manifest its name (the given name with the manifest's digest), media type
 * and platform (attestation manifests show as `unknown/unknown`), then the platform's os.version,
 * features, the descriptor's URLs and annotations. buildx flushes its tabwriter before and after
 * each annotation list, so the alignment starts over there (and padded blank lines stay padded).
 * Annotations are sorted by key (Go prints them in map order, which changes from run to run).
 */
export function printInspect(ref: ImageReference, root: FetchedManifest): string {
  let out = tabwrite(`Name:\t${ref.toString()}\nMediaType:\t${root.descriptor.mediaType}\nDigest:\t${root.descriptor.digest}\n`);
  if (!isIndexMediaType(root.descriptor.mediaType)) return out;
  const index = goDecode(indexType, parseJson(root.bytes, "the index"), "the index") as { Manifests: GoDescriptor[] | null };
  out += tabwrite("\t\nManifests:\t\n");
  let block = "";
  (index.Manifests ?? []).forEach((m, i) => {
    if (i !== 0) block += "\t\n";
    block += `${pfx}Name:\t${ref.withDigest(m.Digest).toString()}\n`;
    block += `${pfx}MediaType:\t${m.MediaType}\n`;
    const p = m.Platform;
    if (!p) return;
    block += `${pfx}Platform:\t${goFormatPlatform({ os: p.OS, architecture: p.Architecture, variant: p.Variant })}\n`;
    if (p.OSVersion) block += `${pfx}OSVersion:\t${p.OSVersion}\n`;
    if (p.OSFeatures && p.OSFeatures.length > 0) block += `${pfx}OSFeatures:\t${p.OSFeatures.join(", ")}\n`;
    if (m.URLs && m.URLs.length > 0) block += `${pfx}URLs:\t${m.URLs.join(", ")}\n`;
    if (m.Annotations && m.Annotations.size > 0) {
      block += `${pfx}Annotations:\t\n`;
      out += tabwrite(block);
      block = "";
      out += tabwrite([...m.Annotations.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${pfx}${pfx}${k}:\t${v}\n`).join(""));
    }
  });
  return out + tabwrite(block);
}

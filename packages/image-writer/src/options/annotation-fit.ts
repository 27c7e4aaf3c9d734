import { ExpError } from "@exp/errors";
import { platformKey } from "@exp/oci-spec";
import type { ExportSource } from "@exp/solver";
import type { Annotation } from "./annotations.js";
import { writesIndex } from "./attestations-fit.js";
import type { ImageCommitOptions } from "./image-options.js";

/**
 * An annotation the built result has no place for. Raised at export time, once the source's
 * platforms are known, as BuildKit's image writer raises it (exporter/containerimage/writer.go).
 */
export class AnnotationMisfitError extends ExpError {
  readonly component: string;
  readonly attr: string;

  constructor(component: string, attr: string, message: string) {
    super("ERR_ANNOTATION_MISFIT", `${component}: ${message}`);
    this.component = component;
    this.attr = attr;
  }
}

/** The attr an annotation was written as, for messages (the canonical spelling). */
export function annotationAttr(a: Annotation): string {
  const target = a.target === "manifest" && a.platform === undefined ? "annotation" : `annotation-${a.target}`;
  return `${target}${a.platform === undefined ? "" : `[${a.platform}]`}.${a.key}`;
}

/**
 * Checks the annotations against the built source, before anything is written:
 *
 * - A platform-qualified annotation must name a built platform. BuildKit's writer.go fails with
 *   "invalid annotation: no platform <p> found in source" when `inp.FindRef(p)` misses. Its
 *   FindRef (solver/result/result.go) hands back the only ref of a one-platform result whatever
 *   key it is asked for, so BuildKit lets `annotation-manifest[linux/arm64].k` through on an
 *   amd64-only build and then drops it (no manifest of that platform is written). exp refuses that
 *   case too, with the same message: an annotation accepted and never written is the silent loss
 *   issue 13 is about, and the fix for the user (drop the qualifier or build the platform) is the same.
 * - Index and index-descriptor annotations need an index: BuildKit's writer.go refuses both for a
 *   single-platform export ("index annotations not supported for single platform export") unless
 *   attestations make its export an index. Letting
 *   `annotation-index-descriptor.*` through would also replace the manifest descriptor's own
 *   annotations (`annotation-manifest-descriptor.*`) on the root of a single-platform export.
 */
export function checkAnnotationsFit(component: string, options: ImageCommitOptions, source: ExportSource): void {
  const built = new Set(source.results.map((r) => platformKey(r.platform)));
  for (const a of options.annotations) {
    if (a.platform === undefined || built.has(a.platform)) continue;
    throw new AnnotationMisfitError(
      component,
      annotationAttr(a),
      `invalid annotation: no platform ${a.platform} found in source (${JSON.stringify(annotationAttr(a))}; the built platforms are ${[...built].join(", ")})`,
    );
  }
  // A single platform with attestations is written as an index too (BuildKit's writer.go sets
  // isMap before this check), so its index annotations have a place.
  if (writesIndex(options, source)) return;
  const misplaced = options.annotations.find((a) => a.target === "index" || a.target === "index-descriptor");
  if (misplaced) {
    throw new AnnotationMisfitError(
      component,
      annotationAttr(misplaced),
      `index annotations not supported for single platform export (${JSON.stringify(annotationAttr(misplaced))}: a single-platform image has no index; use annotation-manifest or annotation-manifest-descriptor, or build several platforms)`,
    );
  }
}

import { InvalidOptionError } from "@exp/errors";
import { parsePlatform, platformKey } from "@exp/oci-spec";

export type AnnotationTarget = "manifest" | "manifest-descriptor" | "index" | "index-descriptor";

/** One `annotation…` key, parsed: where it goes, for which platform (all when absent), and its key/value. */
export interface Annotation {
  target: AnnotationTarget;
  /** `platformKey` of the platform in brackets, when given. */
  platform?: string;
  key: string;
  value: string;
}

const keyPattern = /^annotation(?:-(manifest|manifest-descriptor|index|index-descriptor))?(?:\[([^\]]+)\])?\.(.+)$/;

/**
 * Parses BuildKit's annotation attributes: `annotation.<k>` (= manifest), and
 * `annotation-<manifest|manifest-descriptor|index|index-descriptor>[<platform>].<k>`.
 */
export function parseAnnotations(component: string, attrs: Readonly<Record<string, string>>): Annotation[] {
  const annotations: Annotation[] = [];
  // Where each (target, platform, key) was set, to catch two spellings of one annotation.
  const seen = new Map<string, { attr: string; value: string }>();
  for (const [attr, value] of Object.entries(attrs)) {
    if (!attr.startsWith("annotation")) continue;
    const match = keyPattern.exec(attr);
    if (!match) {
      throw new InvalidOptionError(component, attr, value, 'a key like "annotation.<key>" or "annotation-<manifest|manifest-descriptor|index|index-descriptor>[<platform>].<key>"');
    }
    const target = (match[1] ?? "manifest") as AnnotationTarget;
    const platform = match[2] === undefined ? undefined : platformKey(parsePlatform(match[2]));
    const annotation: Annotation = { target, ...(platform === undefined ? {} : { platform }), key: match[3]!, value };
    // `annotation.k` and `annotation-manifest.k` (or `[linux/arm64/v8]` and `[linux/arm64]`) are one
    // annotation to BuildKit, which fills a map from a Go map of attrs (exporter/containerimage/
    // annotations.go ParseAnnotations): with two values, which one lands is chance. Refused.
    const id = `${target}|${platform ?? ""}|${annotation.key}`;
    const earlier = seen.get(id);
    if (earlier && earlier.value !== value) {
      throw new InvalidOptionError(component, attr, value, `one value per annotation: ${JSON.stringify(earlier.attr)} sets the same annotation to ${JSON.stringify(earlier.value)} (BuildKit would keep either of them, by chance)`);
    }
    seen.set(id, { attr, value });
    annotations.push(annotation);
  }
  return annotations;
}

/**
 * The annotations of one target for one platform (or for the index, where platform is undefined).
 * As BuildKit's AnnotationsGroup.Platform: a manifest's qualified with its platform beat the
 * unqualified ones of the same key (the unqualified group is copied first, then the platform's);
 * the index's are taken whatever platform they name (every group's index annotations are copied).
 */
export function annotationsFor(all: readonly Annotation[], target: AnnotationTarget, platform?: string): Record<string, string> | undefined {
  const ofTarget = all.filter((a) => a.target === target);
  const forIndex = target === "index" || target === "index-descriptor";
  const selected = [...ofTarget.filter((a) => a.platform === undefined), ...ofTarget.filter((a) => a.platform !== undefined && (forIndex || a.platform === platform))];
  return selected.length === 0 ? undefined : Object.fromEntries(selected.map((a) => [a.key, a.value]));
}

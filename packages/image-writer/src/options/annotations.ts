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
  for (const [attr, value] of Object.entries(attrs)) {
    if (!attr.startsWith("annotation")) continue;
    const match = keyPattern.exec(attr);
    if (!match) {
      throw new InvalidOptionError(component, attr, value, 'a key like "annotation.<key>" or "annotation-<manifest|manifest-descriptor|index|index-descriptor>[<platform>].<key>"');
    }
    const target = (match[1] ?? "manifest") as AnnotationTarget;
    const platform = match[2] === undefined ? undefined : platformKey(parsePlatform(match[2]));
    annotations.push({ target, ...(platform === undefined ? {} : { platform }), key: match[3]!, value });
  }
  return annotations;
}

/** The annotations of one target for one platform (or for the index, where platform is undefined). */
export function annotationsFor(all: readonly Annotation[], target: AnnotationTarget, platform?: string): Record<string, string> | undefined {
  const selected = all.filter((a) => a.target === target && (a.platform === undefined || a.platform === platform));
  return selected.length === 0 ? undefined : Object.fromEntries(selected.map((a) => [a.key, a.value]));
}

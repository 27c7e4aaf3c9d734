import { parseReference } from "@exp/oci-spec";
import { UsageError } from "../errors.js";

/** What a `--build-context` value names, before it is checked on disk. */
export type BuildContextSource =
  | { kind: "local"; path: string }
  | { kind: "docker-image"; ref: string }
  | { kind: "oci-layout"; path: string; tag?: string; digest?: string };

export interface BuildContextFlag {
  name: string;
  source: BuildContextSource;
}

// Not "oci-layout://<dir>[:<tag>|@<digest>]": the output masking reads `//<dir>[:<tag>|@` as a URL password.
const accepted = "a directory, docker-image://<image>, oci-layout://<dir>[:<tag>] or oci-layout://<dir>@<digest>";

/** A `--build-context` value exp cannot serve, or one buildx refuses. */
export class UnsupportedBuildContextError extends UsageError {
  constructor(value: string, problem: string) {
    super(`--build-context ${JSON.stringify(value)}: ${problem}; expected <name>=<source> with <source> ${accepted}`, "ERR_UNSUPPORTED_BUILD_CONTEXT");
  }
}

// buildx's ocilayout.Parse (util/ocilayout/parse.go): distribution's DigestRegexp and TagRegexp.
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

/**
 * One `--build-context name=value`, as buildx reads it (util/buildflags/context.go
 * ParseContextNames, then build/opt.go); the name, an image name (normalised: `alpine:latest`
 * and `alpine` are one), is checked by resolveBuildContexts, which loads the Dockerfile front end
 * (not loaded to parse the command line, so `exp --help` starts fast); the value is
 * - `docker-image://<ref>` (`docker-image://scratch` is an empty filesystem);
 * - `oci-layout://<dir>[:<tag>][@<digest>]`, split as ocilayout.Parse splits it;
 * - else a directory on this machine (checked when the build starts, as buildx stats it).
 * What BuildKit could fetch and exp cannot (`https://`, `git@`/`git://`/github.com/… repositories,
 * `target:` for bake, `input:`, any other `scheme://`) is refused rather than read as a path.
 */
export function parseBuildContextFlag(value: string): BuildContextFlag {
  const eq = value.indexOf("=");
  if (eq === -1) throw new UnsupportedBuildContextError(value, "no =");
  const name = value.slice(0, eq);
  const source = value.slice(eq + 1);
  if (source === "") throw new UnsupportedBuildContextError(value, "empty source");
  if (source.startsWith("docker-image://")) {
    const ref = source.slice("docker-image://".length);
    if (ref !== "scratch") {
      try {
        parseReference(ref);
      } catch (error) {
        throw new UnsupportedBuildContextError(value, error instanceof Error ? error.message : String(error));
      }
    }
    return { name, source: { kind: "docker-image", ref } };
  }
  if (source.startsWith("oci-layout://")) return { name, source: ociLayout(value, source.slice("oci-layout://".length)) };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(source)?.[1];
  if (scheme !== undefined) throw new UnsupportedBuildContextError(value, `${scheme}:// sources are not supported by exp`);
  if (/^git@/.test(source) || /^github\.com\//.test(source)) throw new UnsupportedBuildContextError(value, "git repositories are not supported by exp");
  if (/^(target|input):/.test(source)) throw new UnsupportedBuildContextError(value, `${source.slice(0, source.indexOf(":"))}: sources (a bake target, a frontend input) are not supported by exp`);
  return { name, source: { kind: "local", path: source } };
}

function ociLayout(value: string, spec: string): BuildContextSource {
  let path = spec;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = path.lastIndexOf("@");
  if (at >= 0 && digestPattern.test(path.slice(at + 1))) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/.test(digest)) throw new UnsupportedBuildContextError(value, `invalid digest ${JSON.stringify(digest)}`);
  }
  const colon = path.lastIndexOf(":");
  if (colon >= 0 && tagPattern.test(path.slice(colon + 1))) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (path === "") throw new UnsupportedBuildContextError(value, "no layout directory");
  // As ocilayout.Parse: neither tag nor digest means the tag `latest`.
  return { kind: "oci-layout", path, ...(tag === undefined && digest === undefined ? { tag: "latest" } : {}), ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** commander's collector for `--build-context` (repeatable), checked as each value is read. */
export function collectBuildContext(value: string, previous: string[] | undefined): string[] {
  parseBuildContextFlag(value);
  return [...(previous ?? []), value];
}

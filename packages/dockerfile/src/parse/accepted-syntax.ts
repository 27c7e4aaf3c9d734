/**
 * The `# syntax=` images exp stands in for: docker/dockerfile (and the -upstream builds of the
 * same frontend), on docker.io, untagged or tagged `latest`, `labs`, `1`, `1.N`, `1.N.N` (with an
 * optional `-rcN` and `-labs`), optionally pinned by digest. BuildKit itself forwards every
 * `# syntax=` to the image it names (frontend/dockerfile/builder/build.go, forwardGateway); exp
 * has one front end, the docker/dockerfile:1 language, so anything else is refused rather than
 * parsed with the wrong grammar. A `-labs` image is the stable language plus experimental
 * features: exp accepts it because any labs-only syntax it lacks (RUN options, ADD --unpack) is
 * refused on its own, never ignored.
 */
const dockerfileImage =
  /^(?:(?:docker\.io|index\.docker\.io)\/)?docker\/dockerfile(?<upstream>-upstream)?(?::(?<tag>[\w][\w.-]{0,127}))?(?:@sha256:[0-9a-f]{64})?$/;
const stableTag = /^(?:latest|labs|1(?:\.\d+){0,2}(?:-rc\d+)?(?:-labs)?)$/;
const upstreamTag = /^master(?:-labs)?$/;

/** BUILDKIT_SYNTAX=dockerfile.v0 means BuildKit's built-in Dockerfile frontend (reference.md, "Built-in build args"). */
const builtinFrontend = "dockerfile.v0";

export const acceptedSyntaxText =
  "docker/dockerfile:1 (also untagged, :1.N, :1.N.N, -labs tags, a @sha256 digest, a docker.io/ prefix, docker/dockerfile-upstream)";

/** True when exp's own front end is what the `# syntax=` image (its first word) asks for. */
export function isAcceptedSyntax(ref: string): boolean {
  if (ref === builtinFrontend) return true;
  const match = dockerfileImage.exec(ref);
  if (!match) return false;
  const tag = match.groups?.["tag"];
  if (tag === undefined) return true;
  return stableTag.test(tag) || (match.groups?.["upstream"] !== undefined && upstreamTag.test(tag));
}

export function unsupportedFrontendDetail(source: string, ref: string): string {
  return `${source} asks for the frontend image ${JSON.stringify(ref)}, which exp cannot run: exp has its own Dockerfile front end and stands in only for ${acceptedSyntaxText}; remove the directive or name one of these`;
}

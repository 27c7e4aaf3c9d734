import type { AddInstruction } from "../ast.js";
import { expandIn, type DispatchState } from "./dispatch-state.js";
import { remoteSourceKind } from "./remote-source.js";
import type { CopySource } from "./types.js";
import { urlFileName } from "./url-file-name.js";

/**
 * BuildKit's isHTTPSource (dockerfile2llb/convert_copy.go): a source that starts with `http://`
 * or `https://` (exactly so) and is not a git repository (a path ending in `.git`).
 */
export function isHttpSource(source: string): boolean {
  return (source.startsWith("http://") || source.startsWith("https://")) && remoteSourceKind(source) === "url";
}

const sha256Digest = /^sha256:[0-9a-f]{64}$/;
const otherDigest = /^(sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;

/**
 * `ADD <url> <dest>`: the download is a source of its own holding one file, named as BuildKit
 * names it, which the ADD copies to `dest` like a local file (so --chown, --chmod, --link and
 * --exclude apply as to any copy). It is never extracted, even when it is an archive: BuildKit
 * does not unpack remote files (convert_copy.go: "Resources from remote URLs are not
 * decompressed"). `--checksum` is expanded, as BuildKit's AddCommand.Expand does, and checked.
 * Returns undefined for an ADD with no URL among its sources.
 */
export function addUrlSource(state: DispatchState, instruction: AddInstruction, sources: readonly string[]): { from: CopySource; sources: string[] } | undefined {
  const { ctx } = state;
  const urls = sources.filter(isHttpSource);
  const checksumWord = instruction.flags.checksum;
  const checksum = checksumWord ? expandIn(state, checksumWord) : "";
  if (urls.length === 0) {
    if (checksumWord && checksum !== "") {
      ctx.fail(checksumWord.location, `ADD --checksum=${checksum}: a checksum requires an HTTP(S) source (BuildKit: "checksum requires HTTP(S) or Git sources", and exp has no git source); remove it for local files`);
    }
    return undefined;
  }
  if (sources.length > 1 || instruction.heredocs.length > 0) {
    ctx.fail(
      instruction.location,
      `ADD ${sources.join(" ")}: exp downloads one URL per ADD, with no other source beside it (BuildKit would copy them all in one layer); write one ADD per URL`,
      "ERR_UNSUPPORTED_INSTRUCTION",
    );
  }
  const url = urls[0]!;
  const filename = urlFileName(url);
  const from: Extract<CopySource, { kind: "url" }> = { kind: "url", url, filename };
  if (checksum !== "") {
    if (otherDigest.test(checksum)) {
      ctx.fail(checksumWord!.location, `ADD --checksum=${checksum}: exp verifies sha256 checksums only; write --checksum=sha256:<64 hex digits>`, "ERR_UNSUPPORTED_INSTRUCTION");
    }
    if (!sha256Digest.test(checksum)) ctx.fail(checksumWord!.location, `invalid ADD --checksum=${checksum}: write sha256:<64 lower-case hex digits>`);
    from.checksum = checksum;
  }
  return { from, sources: [literalSource(filename)] };
}

/**
 * A COPY source that matches exactly `name`. BuildKit copies the download without wildcards
 * (convert_copy.go sets no AllowWildcard for an http source), so `file[1].txt` is that file, not
 * a pattern that would miss it: its `*`, `?`, `[` and `\` become one-character classes.
 */
function literalSource(name: string): string {
  return /[*?[]/.test(name) ? name.replace(/[*?[\\]/g, (ch) => (ch === "\\" ? "[\\\\]" : `[${ch}]`)) : name;
}

import type { AddInstruction, CopyInstruction, Word } from "../ast.js";
import { chmodProblem } from "./chmod.js";
import { expandIn, stepBase, type DispatchState } from "./dispatch-state.js";
import { unknownWorkdirKey } from "./dispatch-paths.js";
import { addUrlSource, isHttpSource } from "./add-url.js";
import { resolveDestination } from "./paths.js";
import { remoteSourceKind } from "./remote-source.js";
import type { CopyHeredoc, CopySource, CopyStep } from "./types.js";

/**
 * COPY, and ADD of local paths or of an http(s) URL, after expansion (sources, destination,
 * --chown, --chmod, --checksum, --exclude and unquoted heredoc bodies). ADD of a git repository
 * is refused: exp has no git source.
 */
export function dispatchCopy(state: DispatchState, instruction: CopyInstruction | AddInstruction, trigger: boolean): CopyStep {
  const { ctx, scope } = state;
  const add = instruction.kind === "add";
  const name = add ? "ADD" : "COPY";
  const sources = instruction.sources.map((word) => {
    const source = expandIn(state, word);
    checkLocal(state, name, source, word);
    return source;
  });
  const destWritten = expandIn(state, instruction.dest);
  if (!destWritten.startsWith("/") && !scope.workdirKnown && !scope.warned.has(unknownWorkdirKey)) {
    scope.warned.add(unknownWorkdirKey);
    ctx.warn(
      instruction.dest.location,
      `${name} destination ${JSON.stringify(destWritten)} is relative and the WORKDIR of base image "${scope.unknownBase}" is unknown, so it is taken as /; pass the image's config in imageConfigs`,
    );
  }
  const flags = instruction.flags;
  if (instruction.kind === "add" && instruction.flags.keepGitDir !== undefined) {
    // BuildKit reads --keep-git-dir only for a git source (convert_copy.go dispatchCopy); exp has
    // none, so the flag would be accepted and never read: refused, whatever its value.
    ctx.fail(
      instruction.location,
      `ADD --keep-git-dir=${instruction.flags.keepGitDir}: git sources are not supported (exp builds from local files and URLs), and --keep-git-dir only applies to them; clone the repository before the build and COPY it`,
      "ERR_UNSUPPORTED_GIT_SOURCE",
    );
  }
  const download = instruction.kind === "add" ? addUrlSource(state, instruction, sources) : undefined;
  const from: CopySource =
    download?.from ?? (instruction.kind === "copy" && instruction.flags.from ? state.index.resolveCopyFrom(ctx, state.stage.index, instruction.flags.from) : { kind: "context" });
  const chown = flags.chown ? expandIn(state, flags.chown) : undefined;
  const chmod = flags.chmod ? expandIn(state, flags.chmod) : undefined;
  if (chmod !== undefined && flags.chmod) {
    const problem = chmodProblem(chmod);
    if (problem) ctx.fail(flags.chmod.location, `invalid --chmod=${chmod}: ${problem}`);
  }
  const parents = instruction.kind === "copy" && instruction.flags.parents;
  const heredocs = instruction.heredocs.map((heredoc): CopyHeredoc => {
    // Heredoc bodies expand variables but keep quotes, with `\` as escape (BuildKit's ExpandRaw).
    const content = heredoc.expand
      ? expandIn(state, { value: heredoc.content, location: heredoc.location }, { escape: "\\", skipProcessQuotes: true })
      : heredoc.content;
    return chmod === undefined ? { name: heredoc.name, content } : { name: heredoc.name, content, chmod };
  });

  let createdBy = name;
  if (parents) createdBy += " --parents";
  if (chown) createdBy += ` --chown=${chown}`;
  if (chmod) createdBy += ` --chmod=${chmod}`;
  for (const source of sources) createdBy += ` ${source}`;
  for (const heredoc of heredocs) createdBy += ` <<${heredoc.name}`;
  createdBy += ` ${destWritten} # buildkit`;

  const step: CopyStep = {
    kind: "copy",
    ...stepBase(state, instruction.location, trigger),
    createdBy,
    emptyLayer: false,
    sources: download?.sources ?? sources,
    dest: resolveDestination(scope.workdir, destWritten),
    from,
    link: flags.link,
    parents,
    exclude: flags.exclude.map((word) => expandIn(state, word)),
    heredocs,
    add,
  };
  if (chown !== undefined && chown !== "") step.chown = chown;
  if (chmod !== undefined && chmod !== "") step.chmod = chmod;
  return step;
}

function checkLocal(state: DispatchState, name: string, source: string, word: Word): void {
  const kind = remoteSourceKind(source);
  if (!kind || (name === "ADD" && isHttpSource(source))) return;
  const { ctx } = state;
  if (name === "COPY") {
    ctx.fail(word.location, `COPY cannot take a ${kind === "git" ? "git repository" : "URL"} (${source}); COPY copies local files: download it before the build and COPY it`);
  }
  ctx.fail(
    word.location,
    kind === "git"
      ? `ADD ${source}: ADD of a git repository is not supported (git sources are not supported: exp builds from local files only); clone it before the build and COPY it`
      : `ADD ${source}: exp downloads http:// and https:// URLs only (written so, in lower case, as BuildKit requires); download it before the build and COPY it`,
    kind === "git" ? "ERR_UNSUPPORTED_GIT_SOURCE" : "ERR_UNSUPPORTED_INSTRUCTION",
  );
}

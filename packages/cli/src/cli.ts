import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { isAbortError, isExpError } from "@exp/errors";
import { normalizePlatform, parsePlatform, parseReference, platformKey, type Platform } from "@exp/oci-spec";
import packageJson from "../package.json" with { type: "json" };
// Only types from the commands: each command's module (and the store, the solver, the registry
// client it pulls in) is imported when that command runs, so `exp --version` and `exp --help`
// load commander and this file, not the whole toolkit (issue 14: start-up).
import type { BuildCommandOptions } from "./commands/build.js";
import type { HistoryRmOptions } from "./commands/history/history-rm.js";
import type { ImageLsOptions } from "./commands/image/image-ls.js";
import type { ImagetoolsCreateOptions } from "./commands/imagetools/create-options.js";
import type { ImagetoolsInspectOptions } from "./commands/imagetools/inspect-options.js";
import { collectPruneFilter } from "./commands/prune/prune-filters.js";
import type { PruneOptions } from "./commands/prune/prune.js";
import { bytesArg } from "./commands/prune/space-limits.js";
import type { OutputFormat } from "./commands/store/store-options.js";
import { formatError, UsageError } from "./errors.js";
import { collectAnnotation } from "./spec/annotation-flag.js";
import { collectBuildContext } from "./spec/build-context-flag.js";
import { attestShorthand, collectAttest } from "./spec/attest.js";
import { processIO, type CliIO } from "./io.js";
import { defaultPlatform } from "./spec/default-platform.js";
import { collectLabel } from "./spec/label-flag.js";
import { defaultProgress, progressChoice, progressFlagValues, type ProgressFlag } from "./spec/progress-flag.js";
import { SpecError } from "./spec/csv.js";
import { checkOutputConflicts } from "./spec/conflicts.js";
import { refuseTerminalStdout } from "./spec/terminal-stdout.js";
import { parseCacheSpec, parseOutputSpec, type Spec } from "./spec/output.js";
import { parseDuration } from "./util/format.js";
import { Redactor } from "./util/redact.js";

/** The package version, which `exp --version` prints. */
export const version: string = packageJson.version;

/**
 * Runs the `exp` command line in-process and resolves to its exit code: 0 on success, 1 when the
 * command failed (`ERROR: <message>` on stderr), 2 for a usage error (commander's message), 130
 * when the build was interrupted. It never calls process.exit, so tests call it directly.
 */
export async function runCli(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const full: CliIO = { ...processIO(), ...io };
  let redactor = new Redactor();
  const stderr = (text: string) => full.stderr.write(redactor.redact(text));
  let exitCode = 0;
  let debug = argv.includes("--debug") || isTruthy(full.env.EXP_DEBUG);
  const program = createProgram(full, {
    stderr,
    setRedactor: (r) => (redactor = r),
    setExitCode: (code) => (exitCode = code),
    setDebug: (value) => (debug ||= value),
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; every parse error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || isExpError(error, "ERR_USAGE")) {
      stderr(`error: ${error.message}\n`);
      return 2;
    }
    stderr(formatError(error, debug));
    return full.signal?.aborted && isAbortError(error) ? 130 : 1;
  }
}

interface ProgramHooks {
  stderr(text: string): void;
  setRedactor(redactor: Redactor): void;
  setExitCode(code: number): void;
  setDebug(value: boolean): void;
}

function createProgram(io: CliIO, hooks: ProgramHooks): Command {
  const program = new Command("exp")
    .description("Build container images from a Dockerfile without a daemon, and export them (and their build cache) like `docker buildx build`.")
    .version(version, "-v, --version", "print the exp version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => hooks.stderr(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .addHelpText("after", "\nRun `exp <command> --help` for a command's options. Docs: the README of @exp/cli.");

  const rootOption = () => new Option("--root <dir>", "the content store (default: $EXP_ROOT, else ${XDG_DATA_HOME:-~/.local/share}/exp)");
  const formatOption = () => new Option("--format <format>", "output format").choices(["table", "json"]).default("table");

  program
    .command("build")
    .description("Build an image from a Dockerfile and export it (docker buildx build)")
    .argument("[context]", "the build context directory", ".")
    .option("-f, --file <path>", "the Dockerfile (default: <context>/Dockerfile)")
    .option("-t, --tag <name>", "an image name, e.g. registry.example/app:1.2 (repeatable)", collectTag)
    .option("--platform <platforms>", "target platforms, comma-separated or repeated, e.g. linux/amd64,linux/arm64 (default: linux on this machine's CPU)", collectPlatforms)
    .option("--build-arg <key=value>", "a build argument; KEY alone takes its value from the environment (repeatable)", collectBuildArg)
    .option("--target <stage>", "the stage to build")
    .option("--build-context <name=source>", "a named context: FROM <name> and COPY --from=<name> use it; source a directory, docker-image://<image>, oci-layout://<dir>[:<tag>] or oci-layout://<dir>@<digest> (repeatable)", collectBuildContext)
    .option("--label <key=value>", "an image config label, over the Dockerfile's LABELs (repeatable)", collectLabel)
    .option("--annotation <[type:]key=value>", "an annotation on every image output; type manifest (default), manifest-descriptor, index or index-descriptor, manifest ones with an optional [platform], e.g. manifest[linux/amd64]:k=v (repeatable)", collectAnnotation)
    .option("-o, --output <spec>", 'an output: type=image|registry|oci|docker|local|tar|<package>[,key=value...]; a path means type=local,dest=<path>; "-" means type=tar,dest=- (repeatable)', collectOutput)
    .option("--cache-to <spec>", "a cache export: type=registry|local|s3|inline|<package>[,key=value...] (repeatable)", collectCache("--cache-to"))
    .option("--cache-from <spec>", "a cache import: type=registry|local|s3|<package>[,key=value...], or a registry reference (repeatable)", collectCache("--cache-from"))
    .addOption(new Option("--progress <mode>", "progress output, written to stderr; quiet is -q, none shows nothing").choices(progressFlagValues).default(defaultProgress(io.env)))
    .option("-q, --quiet", "no progress; print the image id on stdout (as buildx: the config digest of a single-platform image, else the index digest, containerimage.digest)")
    // buildx's shorthands for --attest (spec/attest.ts, attest/requests.ts).
    .option("--provenance <value>", "SLSA provenance: true, false, or its parameters (mode=min|max, version=v0.2|v1, builder-id=, filename=, reproducible=, inline-only=); default mode=min,inline-only=true unless BUILDX_NO_DEFAULT_ATTESTATIONS=1", attestShorthand("provenance"))
    .option("--sbom <value>", "an SPDX SBOM of the image's filesystem: true or false", attestShorthand("sbom"))
    .option("--attest <spec>", "an attestation: type=provenance|sbom[,disabled=true][,parameters] (repeatable)", collectAttest)
    .option("--iidfile <file>", "write the image id (what -q prints) to this file")
    .option("--metadata-file <file>", "write the build result metadata as JSON (digests, descriptors, names, build ref, warnings; written on failure too, with the error)")
    .option("--no-cache", "do not use the cache (local or --cache-from) for any step; what is built is still cached")
    // buildx's --pull is BuildKit's image resolve mode "pull" (ResolveModeForcePull, util/resolver/
    // pool.go): every tag is resolved at its registry, with no fallback to a local image. exp
    // resolves every FROM and COPY --from tag at its registry on every build and keeps no local
    // resolution (the solver's image step asks the registry each time), so that is what it always
    // does: accepted for the command lines that pass it, and pinned by commands/build-pull.test.ts.
    .option("--pull", "resolve every base image tag at its registry (exp always does: it keeps no local resolution of a tag)")
    // A negatable option to commander ("--no-"): its value lands in `cacheFilter`, true when not given.
    .addOption(new Option("--no-cache-filter <stages>", "do not use the cache for the steps of these stages, comma-separated (repeatable)").argParser(collectStageNames))
    .addOption(rootOption())
    .option("--sequential-export", "export like BuildKit before PR #6451: every output at once (each creates then pushes), then every cache at once")
    .option("--push", "shorthand for --output type=image,push=true (with the -t names)")
    .option("--trace <file>", "write a Chrome trace (chrome://tracing, Perfetto) of the build and the export phases")
    .option("--debug", "on error, also print the error code, the stack and its causes")
    .option("--insecure-registry <host:port>", "reach this registry over plain HTTP, without TLS verification (repeatable)", collect)
    .addHelpText(
      "after",
      `
Examples:
  exp build -t registry.example/app:1.0 --push .
  exp build -o type=oci,dest=app.tar --platform linux/amd64,linux/arm64 .
  exp build -o out/ .                         # the files of the final stage, into out/
  exp build -o type=@acme/exp-exporter-s3-tar,bucket=b .   # a third-party exporter package
  exp build --cache-to type=registry,ref=registry.example/app:cache,mode=max --push -t registry.example/app .`,
    )
    .action(async (context: string, raw: Omit<Partial<BuildCommandOptions>, "progress"> & { progress: ProgressFlag; cacheFilter?: string[] | boolean }, command: Command) => {
      hooks.setDebug(Boolean(raw.debug));
      checkOutputConflicts(
        {
          outputs: raw.output ?? [],
          cacheTo: raw.cacheTo ?? [],
          files: [
            { flag: "--metadata-file", path: raw.metadataFile },
            { flag: "--trace", path: raw.trace },
            { flag: "--iidfile", path: raw.iidfile },
          ],
        },
        io.cwd,
      );
      refuseTerminalStdout(raw.output ?? [], io.stdout);
      const progress = progressChoice(raw.progress, { quiet: Boolean(raw.quiet), fromCommandLine: command.getOptionValueSource("progress") === "cli" });
      const options: BuildCommandOptions = {
        ...raw,
        progress: progress.mode,
        quiet: progress.printImageId,
        tag: raw.tag ?? [],
        platform: raw.platform ?? [defaultPlatform()],
        buildArg: raw.buildArg ?? [],
        label: raw.label ?? [],
        buildContext: raw.buildContext ?? [],
        annotation: raw.annotation ?? [],
        output: raw.output ?? [],
        cacheTo: raw.cacheTo ?? [],
        cacheFrom: raw.cacheFrom ?? [],
        insecureRegistry: raw.insecureRegistry ?? [],
        noCacheFilter: Array.isArray(raw.cacheFilter) ? raw.cacheFilter : [],
      };
      const { runBuild } = await import("./commands/build.js");
      hooks.setExitCode(await runBuild(context, options, { io, setRedactor: hooks.setRedactor, stderr: hooks.stderr }));
    });

  program
    .command("du")
    .description("Show what the content store holds and what holds it: images, build cache, history, running builds (docker buildx du)")
    .addOption(rootOption())
    .addOption(formatOption())
    .addHelpText(
      "after",
      `
Each image (by name), the build cache, the build context file hashes, build history and running builds get a row:
SIZE counts every blob the row reaches (shared blobs count in every row that reaches them), UNIQUE only those
nothing else holds (what removing it would let exp prune reclaim). "unreferenced" is what exp prune removes now.
Reads the store only: a --root that holds no store is an error, and nothing is created.`,
    )
    .action(async (options: { root?: string; format: OutputFormat }) => hooks.setExitCode(await (await import("./commands/du/du.js")).runDu(io, options)));

  program
    .command("prune")
    .description("Remove build cache and build history from the content store (docker buildx prune); images are kept")
    .option("-a, --all", "also remove every build cache record, the build context file hashes and all build history, not only what nothing references")
    .option("--filter <filter>", "remove the records that match: until=<duration> (not used for that long, e.g. 24h), type=regular|source.local|history (type!= to keep one kind); repeatable", collectPruneFilter)
    .option("--max-used-space <bytes>", "remove least recently used records until the store uses at most this much (e.g. 10gb)", bytesArg)
    .option("--reserved-space <bytes>", "keep at least this much of the store, whatever the other limits say (e.g. 2gb)", bytesArg)
    .option("--min-free-space <bytes>", "remove least recently used records until the disk has this much free (e.g. 20gb)", bytesArg)
    .addOption(new Option("--keep-storage <bytes>", "deprecated: --reserved-space").argParser(bytesArg).hideHelp())
    .addOption(new Option("--keep-duration <duration>", "deprecated: --filter until=<duration>").argParser(durationArg).hideHelp())
    .option("-f, --force", "do not ask for confirmation")
    .addOption(formatOption())
    .addOption(rootOption())
    .addHelpText(
      "after",
      `
What it removes:
  exp prune                  only what nothing references: unreferenced blobs, expired leases, leftovers of killed builds
  exp prune -a               also every build cache record (type=regular), the build context file hashes (type=source.local)
                             and every build history record (type=history); the next build starts cold
  --filter / space limits    only the records they select, least recently used first under a limit; a record whose
                             blobs something kept also holds is skipped then (removing it frees nothing)
Images kept by type=image outputs are never pruned (exp image ls, exp image rm). Blobs a running build holds stay.
Without -f it asks on a terminal and refuses elsewhere.`,
    )
    .action(async (options: PruneOptions) => hooks.setExitCode(await (await import("./commands/prune/prune.js")).runPrune(io, options)));

  const image = program.command("image").description("Manage the images kept in the content store (docker image)");
  const imageLs = (command: Command) =>
    command
      .option("-q, --quiet", "only show image IDs")
      .addOption(formatOption())
      .addOption(rootOption())
      .addHelpText("after", "\nOne row per name, newest image first. SIZE is every blob the image reaches in the store. Reads the store only.")
      .action(async (options: ImageLsOptions) => hooks.setExitCode(await (await import("./commands/image/image-ls.js")).runImageLs(io, options)));
  imageLs(image.command("ls").alias("list").description("List the images kept in the store (docker image ls)"));
  image
    .command("rm")
    .alias("remove")
    .description("Remove images from the store by name or ID (docker image rm)")
    .argument("<image...>", "image names (app:1, r.example/app:1) or IDs (or unique ID prefixes, from exp image ls)")
    .option("-f, --force", "remove every name of an image given by ID")
    .addOption(rootOption())
    .addHelpText(
      "after",
      `
Removes the names; the image's blobs are reclaimed by the next exp prune unless a build record, the build cache or
another name still holds them (exp du shows what holds what). An unknown name removes nothing.`,
    )
    .action(async (names: string[], options: { root?: string; force?: boolean }) => hooks.setExitCode(await (await import("./commands/image/image-rm.js")).runImageRm(io, names, options)));
  imageLs(program.command("images").description("List the images kept in the store (exp image ls)"));

  const history = program.command("history").description("Inspect the build history kept in the content store (docker buildx history)");
  history
    .command("ls")
    .description("List build records, newest first, each Completed, Error or Canceled (exp history inspect shows the error)")
    .addOption(rootOption())
    .addOption(formatOption())
    .action(async (options: { root?: string; format: OutputFormat }) => hooks.setExitCode(await (await import("./commands/history/history-ls.js")).runHistoryLs(io, options)));
  history
    .command("inspect")
    .description("Show one build record in full: context, Dockerfile, args, platforms, outputs, cache, steps, warnings, error (docker buildx history inspect)")
    .argument("[id]", "build id or a unique prefix of one (see exp history ls); default: the latest build")
    .addOption(rootOption())
    .addOption(formatOption())
    .action(async (id: string | undefined, options: { root?: string; format: OutputFormat }) => hooks.setExitCode(await (await import("./commands/history/history-inspect.js")).runHistoryInspect(io, id, options)));
  history
    .command("rm")
    .description("Remove build records (their blobs go at the next exp prune)")
    .argument("[id...]", "build ids (or unique prefixes)")
    .option("--all", "remove every build record")
    .addOption(rootOption())
    .action(async (ids: string[], options: HistoryRmOptions) => hooks.setExitCode(await (await import("./commands/history/history-rm.js")).runHistoryRm(io, ids, options)));

  const imagetools = program.command("imagetools").description("Work on images in a registry: merge manifests into a multi-platform index, show one (docker buildx imagetools)");
  imagetools
    .command("create")
    .description("Create an image in a registry from images already there: an index of their manifests, or a copy (docker buildx imagetools create)")
    .argument("[source...]", "a digest (in the one repository named), a reference repo:tag or repo@sha256:… (an index brings its manifests), or a JSON OCI descriptor")
    .option("-t, --tag <name>", "a name to push the result to (repeatable)", collect)
    .option("-f, --file <path>", "read a source from a file (repeatable)", collect)
    .option("--append", "add the sources to the index the first -t names")
    .option("--annotation <type:key=value>", "index:key=value (on the index) or manifest-descriptor[<platform>]:key=value (on its entries) (repeatable)", collect)
    .option("-p, --platform <platforms>", "keep only these platforms, comma-separated or repeated; attestations go with their platform", collect)
    .option("--dry-run", "print the result instead of pushing it")
    .addOption(new Option("--prefer-index [bool]", "with one manifest source, push a one-entry index (true) or the manifest itself (--prefer-index=false)").argParser(boolArg).default(true))
    .option("--metadata-file <file>", "write the pushed descriptor and names as JSON")
    .addOption(new Option("--progress <mode>", "quiet and none print nothing; the others print a line per step on stderr").choices(progressFlagValues).default(defaultProgress(io.env)))
    .option("--insecure-registry <host:port>", "reach this registry over plain HTTP, without TLS verification (repeatable)", collect)
    .option("--debug", "on error, also print the error code, the stack and its causes")
    .addHelpText(
      "after",
      `
Examples:
  exp imagetools create -t registry.example/app:1.0 registry.example/app@sha256:<amd64> registry.example/app@sha256:<arm64>
  exp imagetools create -t registry.example/app:1.0 --append registry.example/app@sha256:<riscv64>
  exp imagetools create --dry-run --annotation index:org.opencontainers.image.version=1.0 registry.example/app:1.0`,
    )
    .action(async (sources: string[], raw: Partial<ImagetoolsCreateOptions> & { preferIndex: boolean; progress: string }) => {
      hooks.setDebug(Boolean(raw.debug));
      const options: ImagetoolsCreateOptions = { ...raw, tag: raw.tag ?? [], file: raw.file ?? [], annotation: raw.annotation ?? [], platform: raw.platform ?? [], insecureRegistry: raw.insecureRegistry ?? [] };
      hooks.setExitCode(await (await import("./commands/imagetools/create.js")).runImagetoolsCreate(io, sources, options));
    });
  imagetools
    .command("inspect")
    .description("Show an image in a registry: its manifest or index, config, provenance and SBOM (docker buildx imagetools inspect)")
    .argument("<name>", "the image, e.g. registry.example/app:1.0 or registry.example/app@sha256:…")
    .option("--format <template>", "a Go template: {{.Name}}, {{.Manifest.Digest}}, {{json .Manifest}}, {{json .Image}}, {{json .Provenance}}, {{json .SBOM}}, {{index .Image \"linux/amd64\"}} (default: {{.Manifest}})")
    .option("--raw", "print the manifest or index exactly as the registry stores it")
    .option("--insecure-registry <host:port>", "reach this registry over plain HTTP, without TLS verification (repeatable)", collect)
    .option("--debug", "on error, also print the error code, the stack and its causes")
    .action(async (name: string, raw: Partial<ImagetoolsInspectOptions>) => {
      hooks.setDebug(Boolean(raw.debug));
      const options: ImagetoolsInspectOptions = { ...raw, insecureRegistry: raw.insecureRegistry ?? [] };
      hooks.setExitCode(await (await import("./commands/imagetools/inspect.js")).runImagetoolsInspect(io, name, options));
    });

  const store = program.command("store").description("Maintain the content store");
  store
    .command("check")
    .description("Verify every blob's digest and every metadata reference; exit 1 on any fault")
    .addOption(rootOption())
    .addOption(formatOption())
    .action(async (options: { root?: string; format: OutputFormat }) => hooks.setExitCode(await (await import("./commands/store-check.js")).runStoreCheck(io, options)));

  return program;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-t`: checked as it is read, like buildx's "invalid tag", so a typo is a usage error before any work. */
function collectTag(value: string, previous: string[] | undefined): string[] {
  try {
    parseReference(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return [...(previous ?? []), value];
}

/** `--prefer-index[=true|false]`, a Go bool flag: alone it is true; a value must be written with `=`. */
function boolArg(value: string): boolean {
  const v = value.toLowerCase();
  if (["true", "1", "t"].includes(v)) return true;
  if (["false", "0", "f"].includes(v)) return false;
  throw new InvalidArgumentError(`expected true or false (write --prefer-index=false), got ${JSON.stringify(value)}`);
}

/** `--no-cache-filter a,b` and repeated, as buildx joins them into BuildKit's `no-cache=a,b`. */
function collectStageNames(value: string, previous: string[] | boolean | undefined): string[] {
  const names = value.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) throw new InvalidArgumentError("expected stage names, comma-separated");
  return [...(Array.isArray(previous) ? previous : []), ...names];
}

function collectBuildArg(value: string, previous: string[] | undefined): string[] {
  if (value === "" || value.startsWith("=")) throw new InvalidArgumentError("expected KEY=VALUE, or KEY to take the value from the environment");
  return [...(previous ?? []), value];
}

function collectPlatforms(value: string, previous: Platform[] | undefined): Platform[] {
  const out = [...(previous ?? [])];
  for (const part of value.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    let platform: Platform;
    try {
      platform = normalizePlatform(parsePlatform(part));
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
    if (!out.some((p) => platformKey(p) === platformKey(platform))) out.push(platform);
  }
  if (out.length === 0) throw new InvalidArgumentError("no platform given (e.g. linux/amd64)");
  return out;
}

function collectOutput(value: string, previous: Spec[] | undefined): Spec[] {
  return [...(previous ?? []), specArg(() => parseOutputSpec(value))];
}

function collectCache(flag: "--cache-to" | "--cache-from") {
  return (value: string, previous: Spec[] | undefined): Spec[] => [...(previous ?? []), specArg(() => parseCacheSpec(value, flag))];
}

function specArg(parse: () => Spec): Spec {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

function durationArg(value: string): { ms: number; text: string } {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 24h, 7d, 90m or 1h30m");
  return { ms, text: value };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

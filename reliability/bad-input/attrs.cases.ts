import { resolveCacheImporter, parseCacheSpec, parseOutputSpec } from "@exp/cli";
import { parsePlatform } from "@exp/oci-spec";
import type { BadInputCase } from "./support/corpus.js";

// Exporter and cache attributes (unknown, invalid, conflicting), the buildx CSV strings that
// carry them, and outputs that would collide. All of it is refused before the build starts,
// so the previous outputs are never touched.

const build = (sb: { context: string }, ...rest: string[]) => ["build", sb.context, ...rest];

const exporterAttrs: BadInputCase[] = [
  {
    name: "a misspelt exporter attribute suggests the right one and lists them all",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},compresion=zstd`),
    exit: 1,
    code: "ERR_UNKNOWN_OPTION",
    message: [/exporter oci: unknown option "compresion" \(did you mean "compression"\?\)/, /valid options are: .*compression-level, dest, force-compression, name/],
  },
  {
    name: "a compression the exporter does not know",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},compression=lz4`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/invalid value "lz4" for "compression"; expected one of gzip, zstd, uncompressed/],
  },
  {
    name: "a gzip level above 9",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},compression=gzip,compression-level=12`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/invalid value "12" for "compression-level"; expected an integer from 0 to 9/],
  },
  {
    name: "zstd with Docker media types (conflicting)",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},compression=zstd,oci-mediatypes=false`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/"zstd" for "compression"/, /zstd layers need OCI media types/],
  },
  {
    name: "a descriptor annotation with Docker media types (conflicting)",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},oci-mediatypes=false,annotation-manifest-descriptor.org.opencontainers.image.title=x`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/"false" for "oci-mediatypes"; expected true when annotation-manifest-descriptor.org.opencontainers.image.title is set/],
  },
  {
    name: "type=docker with tar=false (conflicting)",
    argv: (sb) => build(sb, "-o", `type=docker,dest=${sb.dest.layout},tar=false`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/exporter docker: invalid value "false" for "tar"/, /use type=oci,tar=false for a layout directory/],
  },
  {
    name: "an OCI layout to stdout (conflicting)",
    argv: (sb) => build(sb, "-o", "type=oci,dest=-,tar=false"),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/invalid value "-" for "dest"; expected a directory when tar=false/],
  },
  {
    name: "type=oci without dest",
    argv: (sb) => build(sb, "-o", "type=oci"),
    exit: 1,
    code: "ERR_MISSING_OPTION",
    message: [/exporter oci: option "dest" is required; give a file \(dest=image\.tar\), - for stdout/],
  },
  {
    name: "type=local to stdout",
    argv: (sb) => build(sb, "-o", "type=local,dest=-"),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/exporter local: invalid value "-" for "dest"; expected a directory path \(stdout is only for type=tar\)/],
  },
  {
    name: "an annotation for a platform that is not one",
    // `[linux]` alone is a platform (linux on the host's architecture, as containerd's Parse reads it).
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},annotation-manifest[linux/armm64].a=b`),
    exit: 1,
    code: "ERR_INVALID_PLATFORM",
    message: [/invalid platform "linux\/armm64": unknown architecture "armm64" \(did you mean "linux\/arm64"\?\)/],
  },
  {
    name: "push-by-digest with a tagged name (conflicting)",
    argv: (sb) => build(sb, "-o", "type=image,push=true,push-by-digest=true,name=r.example/app:1"),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/"r\.example\/app:1" for "name"; expected a name without a tag when push-by-digest=true/],
  },
  {
    name: "--push without a name to push to",
    argv: (sb) => build(sb, "--push"),
    exit: 1,
    code: "ERR_MISSING_OPTION",
    message: [/option "name" is required; push=true needs the name\(s\) to push to/],
  },
  {
    name: "a source-date-epoch before 1970",
    argv: (sb) => build(sb, "-o", `type=local,dest=${sb.dest.local},source-date-epoch=-5`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/"-5" for "source-date-epoch"; expected an integer from 0 to 253402300799/],
  },
  {
    name: "a __proto__ attribute is an unknown option, not a prototype",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},__proto__=x`),
    exit: 1,
    code: "ERR_UNKNOWN_OPTION",
    message: [/unknown option "__proto__"/],
  },
  {
    name: "an index annotation on a single-platform image (found at export, archive kept)",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive},annotation-index.a=b`),
    exit: 1,
    code: "ERR_ANNOTATION_MISFIT",
    message: [/"annotation-index\.a"/, /index annotations not supported for single platform export/],
  },
];

const cacheAttrs: BadInputCase[] = [
  {
    name: "a local cache without dest",
    argv: (sb) => build(sb, "--cache-to", "type=local"),
    exit: 1,
    code: "ERR_MISSING_OPTION",
    message: [/cache exporter local: option "dest" is required; give the cache directory/],
  },
  {
    name: "a cache mode that is neither min nor max",
    argv: (sb) => build(sb, "--cache-to", `type=local,dest=${sb.dest.cache},mode=maximum`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/invalid value "maximum" for "mode"; expected one of min, max/],
  },
  {
    name: "a misspelt cache attribute",
    argv: (sb) => build(sb, "--cache-to", `type=local,dest=${sb.dest.cache},ignore_error=true`),
    exit: 1,
    code: "ERR_UNKNOWN_OPTION",
    message: [/unknown option "ignore_error" \(did you mean "ignore-error"\?\)/],
  },
  {
    name: "the inline cache with mode=max (conflicting)",
    argv: (sb) => build(sb, "--cache-to", "type=inline,mode=max"),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/cache exporter inline: invalid value "max" for "mode"; expected one of min/],
  },
  {
    name: "a registry cache without ref",
    argv: (sb) => build(sb, "--cache-to", "type=registry,mode=max"),
    exit: 1,
    code: "ERR_MISSING_OPTION",
    message: [/cache exporter registry: option "ref" is required/, /ref=registry\.example\/app:buildcache/],
  },
  {
    // A typo of a built-in type is a bad spec (exit 2) that only suggests the built-in type: no
    // package named like the typo is looked up or offered for installation (issue 19).
    name: "a misspelt cache type",
    argv: (sb) => build(sb, "--cache-to", `type=locl,dest=${sb.dest.cache}`),
    exit: 2,
    code: "ERR_UNKNOWN_TYPE",
    message: [/cache type "locl" \(--cache-to\) is not one of registry, local, s3, azblob, gha, inline \(did you mean "local"\?\)\n$/],
    direct: (sb) => parseCacheSpec(`type=locl,dest=${sb.dest.cache}`, "--cache-to"),
  },
  {
    name: "a misspelt output type",
    argv: (sb) => build(sb, "-o", `type=oic,dest=${sb.dest.archive}`),
    exit: 2,
    code: "ERR_UNKNOWN_TYPE",
    message: [/output type "oic" is not one of image, registry, oci, docker, local, tar \(did you mean "oci"\?\)\n$/],
    direct: (sb) => parseOutputSpec(`type=oic,dest=${sb.dest.archive}`),
  },
  {
    name: "a misspelt --cache-from attribute only warns",
    argv: (sb) => build(sb, "--cache-from", `type=local,source=${sb.dest.cache}`, "-o", `type=local,dest=${sb.fresh}`),
    exit: 0,
    code: "ERR_UNKNOWN_OPTION",
    message: [/--cache-from type=local: cache importer local: unknown option "source".*; building without this cache/],
    direct: async (sb) => (await resolveCacheImporter("local", { cwd: sb.root })).resolve({ source: sb.dest.cache }),
  },
];

const conflicts: BadInputCase[] = [
  {
    name: "two outputs to stdout",
    argv: (sb) => build(sb, "-o", "-", "-o", "type=oci,dest=-"),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/-o type=tar,dest=- and -o type=oci,dest=- both write to stdout; only one output can/],
  },
  {
    name: "an OCI and a Docker archive to the same file",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive}`, "-o", `type=docker,dest=${sb.dest.archive}`),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/-o type=oci,dest=.*image\.tar and -o type=docker,dest=.*image\.tar write to the same path/, /give each its own destination/],
  },
  {
    name: "two local outputs to one directory, one of them relative",
    argv: (sb) => build(sb, "-o", sb.dest.local, "-o", "type=local,dest=deep/dest/local"),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/write to the same path .*deep\/dest\/local;/],
  },
  {
    name: "a local cache into the local output's directory",
    argv: (sb) => build(sb, "-o", `type=local,dest=${sb.dest.local}`, "--cache-to", `type=local,dest=${sb.dest.local}`),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/-o type=local,dest=.* and --cache-to type=local,dest=.* write to the same path/],
  },
  {
    name: "an archive inside the directory a local output with mode=delete clears",
    argv: (sb) => build(sb, "-o", `type=local,dest=${sb.dest.local},mode=delete`, "-o", `type=oci,dest=${sb.dest.local}/image.tar`),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/-o type=oci,dest=.*local\/image\.tar is inside the directory of -o type=local,dest=.*local, whose mode=delete removes what the result does not have/],
  },
  {
    name: "--metadata-file at an output's path",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive}`, "--metadata-file", sb.dest.archive),
    exit: 1,
    code: "ERR_OUTPUT_CONFLICT",
    message: [/and --metadata-file .*image\.tar write to the same path/],
  },
  {
    name: "--metadata-file that is a directory (refused before the outputs are replaced)",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.archive}`, "--metadata-file", sb.dest.layout),
    exit: 1,
    code: "ERR_INVALID_DEST",
    message: [/--metadata-file .*layout is a directory; give the path of a file/],
  },
  {
    name: "an OCI archive whose dest is a directory",
    argv: (sb) => build(sb, "-o", `type=oci,dest=${sb.dest.layout}`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/exporter oci: invalid value ".*layout" for "dest"; expected a file path for the archive; it is a directory \(use tar=false/],
  },
  {
    name: "an OCI layout whose dest is a file",
    argv: (sb) => build(sb, "-o", `type=oci,tar=false,dest=${sb.dest.archive}`),
    exit: 1,
    code: "ERR_INVALID_OPTION",
    message: [/invalid value ".*image\.tar" for "dest"; expected a directory for the layout \(tar=false\); it is a file/],
  },
  {
    name: "a local output whose dest is a file",
    argv: (sb) => build(sb, "-o", `type=local,dest=${sb.dest.archive}`),
    exit: 1,
    code: "ERR_LOCAL_DEST_INVALID",
    message: [/output ".*image\.tar" exists and is not a directory/],
  },
];

const specDirect = (spec: string, flag?: "--cache-to" | "--cache-from") => () => (flag ? parseCacheSpec(spec, flag) : parseOutputSpec(spec));

const malformed: BadInputCase[] = [
  {
    name: "an unterminated quoted field",
    argv: (sb) => build(sb, "-o", '"type=oci,dest=x'),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/unterminated quoted field/],
    direct: specDirect('"type=oci,dest=x'),
  },
  {
    name: "a bare quote inside a field",
    argv: (sb) => build(sb, "-o", 'type=oci,de"st=x'),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/bare " in a non-quoted field \(quote the whole field/],
    direct: specDirect('type=oci,de"st=x'),
  },
  {
    name: "text after a closing quote",
    argv: (sb) => build(sb, "-o", '"type=oci"x,dest=y'),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/extraneous character "x" after a quoted field/],
    direct: specDirect('"type=oci"x,dest=y'),
  },
  {
    name: "a field with an empty key",
    argv: (sb) => build(sb, "-o", "type=oci,=x"),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/empty key in "=x"/],
    direct: specDirect("type=oci,=x"),
  },
  {
    name: "a field without =",
    argv: (sb) => build(sb, "--cache-to", "type=local,dest=x,max"),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/invalid field "max" \(expected key=value\)/],
    direct: specDirect("type=local,dest=x,max", "--cache-to"),
  },
  {
    name: "an empty --output",
    argv: (sb) => build(sb, "-o", " "),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/empty --output value/],
    direct: specDirect(" "),
  },
  {
    name: "--cache-to without a type",
    argv: (sb) => build(sb, "--cache-to", "dest=x,mode=max"),
    exit: 2,
    code: "ERR_INVALID_SPEC",
    message: [/type is required for --cache-to \(e\.g\. type=registry,ref=host\/repo:cache\)/],
    direct: specDirect("dest=x,mode=max", "--cache-to"),
  },
  {
    name: "a platform with too many components",
    argv: (sb) => build(sb, "--platform", "linux/amd64/v2/extra"),
    exit: 2,
    code: "ERR_INVALID_PLATFORM",
    message: [/invalid platform "linux\/amd64\/v2\/extra": too many components \(4\); expected "os\/architecture\[\/variant\]"/],
    direct: () => parsePlatform("linux/amd64/v2/extra"),
  },
  {
    name: "a platform with a misspelt architecture",
    argv: (sb) => build(sb, "--platform", "linux/armm64"),
    exit: 2,
    code: "ERR_INVALID_PLATFORM",
    message: [/invalid platform "linux\/armm64": unknown architecture "armm64" \(did you mean "linux\/arm64"\?\); expected one of the architectures 386, amd64, /],
    direct: () => parsePlatform("linux/armm64"),
  },
  {
    name: "SOURCE_DATE_EPOCH that is not a number of seconds",
    argv: (sb) => build(sb, "-o", `type=local,dest=${sb.dest.local}`),
    env: () => ({ SOURCE_DATE_EPOCH: "2024-01-01" }),
    exit: 1,
    code: "ERR_INVALID_SOURCE_DATE_EPOCH",
    message: [/SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 \(got "2024-01-01"\)/],
  },
];

// Every attribute case is refused before a build step runs but the one found at export time.
export const attrCases: BadInputCase[] = [...exporterAttrs, ...cacheAttrs, ...conflicts, ...malformed].map((c) =>
  c.exit === 1 && !c.name.includes("found at export") ? { ...c, beforeBuild: true } : c,
);

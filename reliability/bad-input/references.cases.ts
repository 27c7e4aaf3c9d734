import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveCacheImporter } from "@exp/cli";
import { parseReference } from "@exp/registry";
import type { BadInputCase } from "./support/corpus.js";
import { ociImage, writeOciLayout } from "./support/oci-image.js";

// Image references and digests, wherever the user writes one: -t, name=, ref=, FROM, COPY --from.
// Names of registries are never reached: every bad reference fails before any request.

const hint = /expected \[registry\/\]repository\[:tag\]\[@digest\]/;

export const referenceCases: BadInputCase[] = [
  {
    name: "-t with an uppercase repository",
    argv: (sb) => ["build", sb.context, "-t", "r.example/MyApp:1", "-o", `type=oci,dest=${sb.dest.archive}`],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/"r\.example\/MyApp:1"/, /repository name must be lowercase/, hint],
    direct: () => parseReference("r.example/MyApp:1"),
  },
  {
    name: "-t with a short digest",
    argv: (sb) => ["build", sb.context, "-t", "app@sha256:abc"],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/"app@sha256:abc"/, /the sha256 part must be 64 lowercase hex digits/],
    direct: () => parseReference("app@sha256:abc"),
  },
  {
    name: "-t with a tag holding a character tags cannot",
    argv: (sb) => ["build", sb.context, "-t", "app:v1!"],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/invalid tag "v1!"/, /1 to 128 characters of letters, digits, "_", "\." and "-"/],
    direct: () => parseReference("app:v1!"),
  },
  {
    name: "-t with an empty name",
    argv: (sb) => ["build", sb.context, "-t", "", "-o", `type=oci,dest=${sb.dest.archive}`],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/'-t, --tag <name>' argument '' is invalid/, /the reference is empty/],
    direct: () => parseReference(""),
  },
  {
    name: "-t with an image ID instead of a name",
    argv: (sb) => ["build", sb.context, "-t", "0123456789abcdef".repeat(4)],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/image ID, not a repository name/, /<name>@sha256:<hex>/],
    direct: () => parseReference("0123456789abcdef".repeat(4)),
  },
  {
    name: "-t with a name over 255 characters",
    argv: (sb) => ["build", sb.context, "-t", `r.example/${"a".repeat(250)}`],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/is 260 characters long; the limit is 255/],
    direct: () => parseReference(`r.example/${"a".repeat(250)}`),
  },
  {
    name: "-t with a registry host that is not a host name",
    argv: (sb) => ["build", sb.context, "-t", "r_example.com:5000/app"],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/invalid registry host "r_example\.com:5000"/, /host name, IPv4 address or \[IPv6\] address/],
    direct: () => parseReference("r_example.com:5000/app"),
  },
  {
    name: "name= of an oci output with whitespace (refused before the build, archive kept)",
    argv: (sb) => ["build", sb.context, "-o", `type=oci,dest=${sb.dest.archive},name=r.example/app:1 beta`],
    beforeBuild: true,
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"r\.example\/app:1 beta"/, /whitespace/],
  },
  {
    name: "the second name= of an image output is bad",
    argv: (sb) => ["build", sb.context, "-o", 'type=image,"name=r.example/app:1,r.example/App:2"'],
    beforeBuild: true,
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"r\.example\/App:2"/, /lowercase/],
  },
  {
    name: "--cache-to ref= with an uppercase repository",
    argv: (sb) => ["build", sb.context, "--cache-to", "type=registry,ref=r.example/UP:cache"],
    beforeBuild: true,
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"r\.example\/UP:cache"/, /lowercase/],
  },
  {
    name: "--cache-to bare reference with a bad digest",
    argv: (sb) => ["build", sb.context, "--cache-to", "r.example/app@sha256:0000"],
    beforeBuild: true,
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"r\.example\/app@sha256:0000"/, /64 lowercase hex digits/],
  },
  {
    name: "--cache-from ref= that is invalid only warns (BuildKit: a failed import is no cache)",
    argv: (sb) => ["build", sb.context, "--cache-from", "type=registry,ref=r.example/UP:cache", "-o", `type=local,dest=${sb.fresh}`],
    exit: 0,
    code: "ERR_INVALID_REFERENCE",
    message: [/--cache-from type=registry: invalid image reference "r\.example\/UP:cache": repository name must be lowercase.*; building without this cache/],
    direct: async (sb) => (await resolveCacheImporter("registry", { cwd: sb.root })).resolve({ ref: "r.example/UP:cache" }),
  },
  {
    name: "FROM an uppercase name",
    dockerfile: "FROM Alpine:3.20\nCOPY a.txt /\n",
    argv: (sb) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"Alpine:3\.20"/, /lowercase/],
  },
  {
    name: "FROM a reference with a non-hex digest",
    dockerfile: "FROM alpine@sha256:xyz\nCOPY a.txt /\n",
    argv: (sb) => ["build", sb.context, "-o", `type=oci,dest=${sb.dest.archive}`],
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"alpine@sha256:xyz"/, /the sha256 part must be 64 lowercase hex digits/],
  },
  {
    name: "FROM a sha512 digest of the wrong length names sha512's length",
    dockerfile: "FROM alpine@sha512:abcd\nCOPY a.txt /\n",
    argv: (sb) => ["build", sb.context],
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"sha512:abcd"/, /the sha512 part must be 128 lowercase hex digits/],
  },
  {
    name: "FROM a digest of an algorithm OCI does not register",
    dockerfile: "FROM alpine@md5:d41d8cd98f00b204e9800998ecf8427e\nCOPY a.txt /\n",
    argv: (sb) => ["build", sb.context],
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/unsupported algorithm "md5"/, /sha256/],
  },
  {
    name: "-t with an uppercase hex digest",
    argv: (sb) => ["build", sb.context, "-t", `app@sha256:${"AB".repeat(32)}`],
    exit: 2,
    code: "ERR_INVALID_REFERENCE",
    message: [/"sha256:ABAB/, /64 lowercase hex digits/],
    direct: () => parseReference(`app@sha256:${"AB".repeat(32)}`),
  },
  {
    name: "COPY --from an invalid image name",
    dockerfile: "FROM scratch\nCOPY --from=Tools/x:1 /bin/tool /\n",
    argv: (sb) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_INVALID_REFERENCE",
    message: [/"Tools\/x:1"/, /lowercase/],
  },
  {
    name: "FROM oci-layout:// of a directory that is not a layout",
    setup: async (sb) => {
      await mkdir(sb.path("notalayout"));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-layout://${sb.path("notalayout")}\nCOPY a.txt /\n`);
    },
    argv: (sb) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/oci-layout:\/\/.*notalayout/, /no oci-layout file/],
  },
  {
    name: "FROM oci-layout:// with a tag the layout does not have",
    setup: async (sb) => {
      await writeOciLayout(sb.path("layout"), ociImage([[{ name: "f", content: "x" }]], { tag: "1" }));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-layout://${sb.path("layout")}:2\nCOPY a.txt /\n`);
    },
    argv: (sb) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/layout:2/, /"2"/],
  },
  {
    name: "FROM oci-archive:// of a file that does not exist",
    setup: async (sb) => writeFile(join(sb.context, "Dockerfile"), `FROM oci-archive://${sb.path("missing.tar")}\nCOPY a.txt /\n`),
    argv: (sb) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/missing\.tar/, /cannot read the archive/],
  },
  {
    name: "--cache-from type=local with a digest= that is not a digest only warns",
    argv: (sb) => ["build", sb.context, "--cache-from", `type=local,src=${sb.dest.cache},digest=sha256:nothex`, "-o", `type=local,dest=${sb.fresh}`],
    exit: 0,
    code: "ERR_INVALID_OPTION",
    message: [/--cache-from type=local: cache importer local: invalid value "sha256:nothex" for "digest"; expected a manifest digest/, /building without this cache/],
    direct: async (sb) => (await resolveCacheImporter("local", { cwd: sb.root })).resolve({ src: sb.dest.cache, digest: "sha256:nothex" }),
  },
];

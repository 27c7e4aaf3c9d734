import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import type { BadInputCase } from "./support/corpus.js";
import { ociArchive, ociImage, sha256, writeOciLayout, type OciImageOptions } from "./support/oci-image.js";
import type { Sandbox } from "./support/sandbox.js";
import { tar, type TarEntry } from "./support/tar.js";

// Base images from OCI archives (FROM oci-archive://) whose layers or documents are hostile:
// absolute names, "..", device nodes, hard links and symlinks aimed outside, huge PAX headers,
// blobs that are not what their names say. Extracting (type=local) must refuse or sanitise
// each one; nothing may be written outside the destination, nor the destination damaged.

const passwd = "root:x:0:0:root:/root:/bin/sh\n";
const plainLayer: TarEntry[] = [
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", content: passwd },
];

/** Writes base.tar (an OCI archive of these layers) and a Dockerfile FROM it. */
function fromArchive(layers: ReadonlyArray<readonly TarEntry[]>, options: OciImageOptions & { extra?: (sb: Sandbox) => TarEntry[]; dockerfile?: string } = {}) {
  return async (sb: Sandbox): Promise<void> => {
    const archive = sb.path("base.tar");
    await writeFile(archive, ociArchive(ociImage(layers, options), options.extra?.(sb) ?? []));
    // COPY --link leaves the base unread during the build, so a hostile layer reaches the exporter
    // these cases are about; reading a base during the build has cases of its own (COPY --from).
    await writeFile(join(sb.context, "Dockerfile"), (options.dockerfile ?? "FROM oci-archive://ARCHIVE:1\nCOPY --link a.txt /\n").replaceAll("ARCHIVE", archive));
  };
}

const toLocal = (sb: Sandbox) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`];
const toFresh = (sb: Sandbox) => ["build", sb.context, "-o", `type=local,dest=${sb.fresh}`];
const toArchive = (sb: Sandbox) => ["build", sb.context, "-o", `type=oci,dest=${sb.dest.archive}`];
/** A name that climbs from the destination to the canary, however deep the destination is. */
const climbTo = (sb: Sandbox) => `${"../".repeat(24)}${sb.canary.slice(1)}`;

const hostileLayers: BadInputCase[] = [
  {
    name: "a layer entry with an absolute path",
    setup: (sb) => fromArchive([[...plainLayer, { name: sb.canary, content: "escaped\n" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/^refusing to write "\/tmp\/exp-canary-[0-9a-f]+": absolute paths are not allowed in a layer$/],
  },
  {
    name: "a layer entry that climbs out with ..",
    setup: (sb) => fromArchive([[...plainLayer, { name: "../../../escaped", content: "x" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "\.\.\/\.\.\/\.\.\/escaped": "\.\." components are not allowed in a layer/],
  },
  {
    name: "a layer entry that climbs all the way to a host path",
    setup: (sb) => fromArchive([[...plainLayer, { name: climbTo(sb), content: "x" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/"\.\." components are not allowed in a layer/],
  },
  {
    name: "a hard link to a file outside the root",
    setup: (sb) => fromArchive([[...plainLayer, { name: "shadow", type: "link", linkname: "../../../outside" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "\.\.\/\.\.\/\.\.\/outside": "\.\." components are not allowed/],
  },
  {
    name: "a hard link to an absolute host path",
    setup: (sb) => fromArchive([[...plainLayer, { name: "shadow", type: "link", linkname: "/etc/shadow" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "\/etc\/shadow": absolute paths are not allowed/],
  },
  {
    name: "a hard link to a name no layer has",
    setup: (sb) => fromArchive([[...plainLayer, { name: "ghost", type: "link", linkname: "etc/nothing" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_BAD_HARDLINK",
    message: [/^hard link "ghost" -> "etc\/nothing": the target is not in this or a lower layer$/],
  },
  {
    name: "a file written through a symlink to the host root",
    setup: (sb) => fromArchive([[...plainLayer, { name: "hostroot", type: "symlink", linkname: "/" }, { name: `hostroot${sb.canary}`, content: "x" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "hostroot\/tmp\/exp-canary-[0-9a-f]+"/, /symbolic link/],
  },
  {
    name: "a file written through a symlink that climbs out, set in a lower layer",
    setup: (sb) => fromArchive([[...plainLayer, { name: "up", type: "symlink", linkname: "../../.." }], [{ name: "up/escaped", content: "x" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "up\/escaped"/, /symbolic link/],
  },
  {
    name: "a whiteout of the parent directory",
    setup: (sb) => fromArchive([plainLayer, [{ name: "etc/.wh..." }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/refusing to write "etc\/\.wh\.\.\.": a whiteout must name an entry of its directory/],
  },
  {
    name: "device nodes are left out of a local export, with a warning",
    setup: (sb) =>
      fromArchive([
        [
          ...plainLayer,
          { name: "dev/", type: "dir" },
          { name: "dev/sda", type: "block", devmajor: 8, devminor: 0 },
          { name: "dev/mem", type: "char", devmajor: 1, devminor: 1 },
          { name: "dev/pipe", type: "fifo" },
        ],
      ])(sb),
    argv: toFresh,
    exit: 0,
    message: [/dev\/sda/, /dev\/mem/],
    verify: async (sb) => {
      expect((await readdir(join(sb.fresh, "dev"))).sort()).toEqual([]);
      expect(await readFile(join(sb.fresh, "etc", "passwd"), "utf8")).toBe(passwd);
    },
  },
  {
    name: "a PAX header of 2 MiB (over Go's archive/tar limit of 1 MiB)",
    setup: (sb) => fromArchive([[...plainLayer, { name: "big", content: "x", pax: { comment: "c".repeat(2 * 1024 * 1024) } }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_TAR_HEADER_TOO_LARGE",
    message: [/^layer 0 \(sha256:[0-9a-f]{64}\): a PAX header of 20971\d\d bytes; tar readers \(Go's archive\/tar, so BuildKit and containerd\) accept at most 1048576 bytes$/],
  },
  {
    name: "a PAX header of 6 MiB, refused before it is read",
    setup: (sb) => fromArchive([[...plainLayer, { name: "big", content: "x", pax: { comment: "c".repeat(6 * 1024 * 1024) } }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_TAR_HEADER_TOO_LARGE",
    message: [/^layer 0 \(sha256:[0-9a-f]{64}\): a PAX header of 62914\d\d bytes; .*accept at most 1048576 bytes$/],
  },
  {
    name: "a 2 MiB path in a PAX header, read by COPY --from",
    setup: (sb) =>
      fromArchive([[...plainLayer, { name: `d/${"p".repeat(2 * 1024 * 1024)}`, content: "x" }]], {
        dockerfile: "FROM oci-archive://ARCHIVE:1 AS base\nFROM scratch\nCOPY --from=base /etc/passwd /\n",
      })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_TAR_HEADER_TOO_LARGE",
    message: [/^Dockerfile:\d+:\d+: layer 0 of the tar chain: a PAX header of 20971\d\d bytes; /],
  },
  {
    name: "a name component longer than a file name can be",
    setup: (sb) => fromArchive([[...plainLayer, { name: `etc/${"n".repeat(300)}`, content: "x" }]])(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_UNSAFE_PATH",
    message: [/^refusing to write "etc\/nnn.*…\(304 bytes\)": a name component is 300 bytes long; file names hold at most 255$/],
  },
  {
    name: "an archive entry with a 2 MiB PAX header",
    setup: (sb) => fromArchive([plainLayer], { extra: () => [{ name: "padding", content: "", pax: { comment: "c".repeat(2 * 1024 * 1024) } }] })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_TAR_HEADER_TOO_LARGE",
    message: [/^Dockerfile:\d+:\d+: oci-archive:\/\/.*base\.tar:1: a PAX header of 20971\d\d bytes; /],
  },
  {
    name: "COPY --from a base whose layer has an absolute name reads it at its normalised path",
    setup: (sb) =>
      fromArchive([[{ name: "/etc/", type: "dir" }, { name: "/etc/passwd", content: passwd }, { name: "../../../dropped", content: "x" }]], {
        dockerfile: "FROM oci-archive://ARCHIVE:1 AS base\nFROM scratch\nCOPY --from=base /etc/passwd /passwd\n",
      })(sb),
    argv: toFresh,
    exit: 0,
    verify: async (sb) => {
      expect(await readdir(sb.fresh)).toEqual(["passwd"]);
      expect(await readFile(join(sb.fresh, "passwd"), "utf8")).toBe(passwd);
    },
  },
];

const hostileArchives: BadInputCase[] = [
  {
    name: "entries of the archive itself with absolute and .. names are ignored, never written",
    setup: (sb) =>
      fromArchive([plainLayer], {
        extra: (sb2) => [
          { name: sb2.canary, content: "x" },
          { name: "../../escaped", content: "x" },
          { name: "blobs/sha256/../../../escaped", content: "x" },
        ],
      })(sb),
    argv: toFresh,
    exit: 0,
    verify: async (sb) => expect((await readdir(sb.fresh)).sort()).toEqual(["a.txt", "etc"]),
  },
  {
    name: "an archive without index.json",
    setup: async (sb) => {
      await writeFile(sb.path("base.tar"), tar([{ name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' }]));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-archive://${sb.path("base.tar")}\nCOPY a.txt /\n`);
    },
    argv: toLocal,
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/oci-archive:\/\/.*base\.tar: the archive has no index\.json/],
  },
  {
    name: "an index.json that is not JSON",
    setup: async (sb) => {
      await writeFile(sb.path("base.tar"), tar([{ name: "index.json", content: "{not json" }]));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-archive://${sb.path("base.tar")}\nCOPY a.txt /\n`);
    },
    argv: toLocal,
    exit: 1,
    code: "ERR_INVALID_DOCUMENT",
    message: [/index\.json/],
  },
  {
    name: "an archive of two images, FROM without a tag",
    setup: async (sb) => {
      const image = ociImage([plainLayer]);
      const index = JSON.parse(image.index.toString()) as { manifests: unknown[] };
      index.manifests.push({ ...(index.manifests[0] as object), annotations: { "org.opencontainers.image.ref.name": "2" } });
      await writeFile(sb.path("base.tar"), ociArchive({ ...image, index: Buffer.from(JSON.stringify(index)) }));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-archive://${sb.path("base.tar")}\nCOPY a.txt /\n`);
    },
    argv: toLocal,
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/base\.tar: index\.json has 2 entries; name one with :<tag>/],
  },
  {
    name: "a truncated archive",
    setup: async (sb) => {
      const whole = ociArchive(ociImage([plainLayer]));
      await writeFile(sb.path("base.tar"), whole.subarray(0, Math.floor(whole.length / 2)));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-archive://${sb.path("base.tar")}:1\nCOPY a.txt /\n`);
    },
    argv: toLocal,
    exit: 1,
    code: "ERR_IMAGE_NOT_FOUND",
    message: [/cannot read the archive/],
  },
  {
    name: "a layer blob whose bytes are not those its name says",
    setup: (sb) => fromArchive([plainLayer], { corruptLayer: () => gzipSync(tar([{ name: "other", content: "y" }])) })(sb),
    argv: toArchive,
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^Dockerfile:\d+:\d+: blob sha256:[0-9a-f]{64} of oci-archive:\/\/.*base\.tar:1: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/],
  },
  {
    name: "a layer tar cut off in the middle of a file, exported",
    setup: (sb) => fromArchive([[...plainLayer, { name: "big", content: "z".repeat(10_000) }]], { compress: (raw) => gzipSync(raw.subarray(0, 3000)) })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^the uncompressed content of layer sha256:[0-9a-f]{64} of oci-archive:.*\(against the config's diff_id\)/],
  },
  {
    name: "a layer tar cut off in the middle of a file, read by COPY --from",
    setup: (sb) =>
      fromArchive([[...plainLayer, { name: "big", content: "z".repeat(10_000) }]], {
        compress: (raw) => gzipSync(raw.subarray(0, 3000)),
        dockerfile: "FROM oci-archive://ARCHIVE:1 AS base\nFROM scratch\nCOPY --from=base /etc/passwd /\n",
      })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^Dockerfile:\d+:\d+: the uncompressed content of layer sha256:[0-9a-f]{64} of oci-archive:/],
  },
  {
    name: "a manifest that gives a layer the wrong size",
    setup: (sb) =>
      fromArchive([plainLayer], {
        manifest: (m) => {
          const layers = m.layers as Array<{ size: number }>;
          layers[0]!.size += 1;
        },
      })(sb),
    argv: toArchive,
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^size of layer sha256:[0-9a-f]{64} of oci-archive:\/\/.*base\.tar:1: expected \d+, got \d+$/],
  },
  {
    name: "a config whose diff_ids do not match the layers",
    setup: (sb) =>
      fromArchive([plainLayer], {
        config: (c) => {
          (c.rootfs as { diff_ids: string[] }).diff_ids = [sha256("something else")];
        },
      })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_DIGEST_MISMATCH",
    message: [/^the uncompressed content of layer sha256:[0-9a-f]{64} of oci-archive:\/\/.*base\.tar:1 \(against the config's diff_id\): expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/],
  },
  {
    name: "a config with fewer diff_ids than layers",
    setup: (sb) =>
      fromArchive([plainLayer, [{ name: "b", content: "b" }]], {
        config: (c) => {
          (c.rootfs as { diff_ids: string[] }).diff_ids.pop();
        },
      })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_INVALID_IMAGE",
    message: [/the config lists 1 diff_ids for 2 layers/],
  },
  {
    name: "a manifest that is not an image manifest",
    setup: (sb) =>
      fromArchive([plainLayer], {
        manifest: (m) => {
          delete m.config;
        },
      })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_INVALID_DOCUMENT",
    message: [/config/],
  },
  {
    name: "a layer whose media type says gzip but whose bytes are a plain tar",
    setup: (sb) => fromArchive([plainLayer], { compress: (raw) => raw })(sb),
    argv: toLocal,
    exit: 1,
    code: "ERR_LOCAL_LAYER_READ",
    message: [/^reading layer 0 \(sha256:[0-9a-f]{64}\) failed: /, /gzip|header/i],
  },
  {
    name: "an OCI layout whose index.json names a blob by a path, not a digest",
    setup: async (sb) => {
      const image = ociImage([plainLayer]);
      await writeOciLayout(sb.path("layout"), image);
      const index = JSON.parse(image.index.toString()) as { manifests: Array<{ digest: string }> };
      index.manifests[0]!.digest = "sha256:../../../../outside";
      await writeFile(sb.path("layout", "index.json"), JSON.stringify(index));
      await writeFile(join(sb.context, "Dockerfile"), `FROM oci-layout://${sb.path("layout")}:1\nCOPY a.txt /\n`);
    },
    argv: toLocal,
    exit: 1,
    code: "ERR_INVALID_DOCUMENT",
    message: [/sha256:\.\.\/\.\.\/\.\.\/\.\.\/outside/],
  },
];

export const archiveCases: BadInputCase[] = [...hostileLayers, ...hostileArchives];

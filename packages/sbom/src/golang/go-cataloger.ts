import type { FsEntry } from "@exp/solver";
import { mapLimit, messageOf, type CatalogContext, type Cataloger } from "../catalog.js";
import type { ByteRange, FsView } from "../fs/fs-view.js";
import type { FoundPackage } from "../model.js";
import { packageUrl } from "../purl.js";
import type { SpdxChecksum } from "../spdx/types.js";
import { decodeBuildInfo, findBuildInfoHeader, type RawBuildInfo } from "./buildinfo.js";
import { fileOffsetOf, isElf, NT_GO_BUILD_ID, parseElfLayout, PF_W, PF_X, programHeaderEnd, PT_LOAD, type ElfLayout } from "./elf.js";
import { parseModinfo, type GoModule } from "./modinfo.js";

// Enough for the ELF header, the program headers and the notes after them in any real binary.
const HEAD_BYTES = 64 * 1024;
// The smallest Go binary, hello world linked with -s -w, is over 1 MiB: smaller executables
// (scripts, C tools, and the thousands of 0755 .js files some npm packages ship) are not opened.
export const MIN_GO_BINARY = 512 * 1024;
// The writable segments read to find the build information; Go's are a few MB at most.
const MAX_DATA_BYTES = 64 * 1024 * 1024;
const DEVEL = "(devel)";

/** One region of the file already read, by virtual address. */
interface Captured {
  vaddr: number;
  bytes: Buffer;
}

/**
 * Go modules of Go executables, from the build information the Go linker embeds, the way
 * debug/buildinfo finds it, reading only parts of each ELF executable of 512 KiB or more: its
 * first 64 KiB (ELF and program headers, notes), then its writable segments, where the linker
 * puts the information (searched for its magic at 16-byte alignment, as debug/buildinfo searches
 * a section); Go before 1.18 points from there to strings elsewhere, read in a further pass.
 * Files that are not ELF are read no further than their first 64 KiB.
 * Reports the main module, every dependency (with its h1: sum as a SHA-256) and the standard
 * library at the toolchain's version, as Syft does.
 */
export const goCataloger: Cataloger = {
  find: findGoModules,
  reads: (view) => candidates(view).map((entry) => ({ entry, ranges: [{ offset: 0, size: Math.min(HEAD_BYTES, entry.size) }] })),
};

function candidates(view: FsView): FsEntry[] {
  return view.entries.filter((entry) => (entry.type === "file" || entry.type === "hardlink") && (entry.mode & 0o111) !== 0 && entry.size >= MIN_GO_BINARY);
}

async function findGoModules(context: CatalogContext): Promise<FoundPackage[]> {
  const { view, warn } = context;
  const failed = (entry: FsEntry, error: unknown) => warn({ path: entry.path, cataloger: "go", message: messageOf(error) });
  const elves = (
    await mapLimit(candidates(view), 4, async (entry) => {
      try {
        const layout = await readLayout(view, entry);
        return layout && { entry, layout };
      } catch (error) {
        failed(entry, error);
        return undefined;
      }
    })
  ).filter((item): item is { entry: FsEntry; layout: ElfLayout } => item !== undefined);
  // Every ELF file's data segments in one pass when the source is a layer chain read in bulk.
  await view.prefetch(elves.map(({ entry, layout }) => ({ entry, ranges: dataRanges(layout).map(({ range }) => range) })));
  const perFile = await mapLimit(elves, 4, async ({ entry, layout }) => {
    try {
      const raw = await readBuildInfo(view, entry, layout);
      return raw === undefined ? [] : toPackages(context, entry.path, raw);
    } catch (error) {
      failed(entry, error);
      return [];
    }
  });
  // One package per module version, found in every binary that links it.
  const byId = new Map<string, FoundPackage>();
  for (const found of perFile.flat()) {
    const id = `${found.name}@${found.version}`;
    const known = byId.get(id);
    if (!known) byId.set(id, found);
    else for (const location of found.locations) if (!known.locations.includes(location)) known.locations.push(location);
  }
  return [...byId.values()];
}

/** The ELF and program headers of a file, from its first bytes; undefined for anything that is not ELF. */
async function readLayout(view: FsView, entry: FsEntry): Promise<ElfLayout | undefined> {
  let head = (await view.readRanges(entry, [{ offset: 0, size: HEAD_BYTES }]))[0] ?? Buffer.alloc(0);
  if (!isElf(head)) return undefined;
  const headerEnd = programHeaderEnd(head);
  if (headerEnd !== undefined && headerEnd > head.byteLength && headerEnd <= entry.size) {
    head = (await view.readRanges(entry, [{ offset: 0, size: headerEnd }]))[0] ?? head;
  }
  return parseElfLayout(head);
}

/** The writable, non-executable loadable segments, where Go's linker puts the build information, up to 64 MiB of them. */
function dataRanges(layout: ElfLayout): { vaddr: number; range: ByteRange }[] {
  const out: { vaddr: number; range: ByteRange }[] = [];
  let budget = MAX_DATA_BYTES;
  for (const segment of layout.segments) {
    if (segment.type !== PT_LOAD || (segment.flags & PF_W) === 0 || (segment.flags & PF_X) !== 0 || segment.filesz === 0) continue;
    const size = Math.min(segment.filesz, budget);
    if (size <= 0) break;
    out.push({ vaddr: segment.vaddr, range: { offset: segment.offset, size } });
    budget -= size;
  }
  return out;
}

async function readBuildInfo(view: FsView, entry: FsEntry, layout: ElfLayout): Promise<RawBuildInfo | undefined> {
  // Go's build-ID note marks a binary the go command linked; one linked with -buildid= has none,
  // so a binary without it is searched all the same (as Syft reads every executable), and the
  // note only serves to warn when a Go binary's build information cannot be found.
  const noted = layout.notes.some((note) => note.owner === "Go" && note.type === NT_GO_BUILD_ID);
  const data = dataRanges(layout);
  const bytes = await view.readRanges(entry, data.map(({ range }) => range));
  const captured: Captured[] = data.map(({ vaddr }, index) => ({ vaddr, bytes: bytes[index] as Buffer }));

  const readMemory = async (vaddr: number, size: number): Promise<Buffer | undefined> => {
    for (const region of captured) {
      if (vaddr >= region.vaddr && vaddr + size <= region.vaddr + region.bytes.byteLength) return region.bytes.subarray(vaddr - region.vaddr, vaddr - region.vaddr + size);
    }
    const offset = fileOffsetOf(layout, vaddr, size);
    if (offset === undefined || offset + size > entry.size) return undefined;
    return (await view.readRanges(entry, [{ offset, size }]))[0];
  };
  for (const region of captured) {
    const at = findBuildInfoHeader(region.bytes, region.vaddr);
    if (at === undefined) continue;
    const decoded = await decodeBuildInfo(region.bytes, at, readMemory);
    if (!decoded) throw new Error("its Go build information is not readable (truncated, or pointing outside the file)");
    return decoded;
  }
  if (noted) throw new Error("a Go binary (it has Go's build-ID note) without build information in its data segments (packed, or stripped of it)");
  return undefined;
}

function toPackages({ warn }: CatalogContext, path: string, raw: RawBuildInfo): FoundPackage[] {
  const info = parseModinfo(raw.modinfo);
  if (typeof info === "string") {
    warn({ path, cataloger: "go", message: `skipped its build information: ${info}` });
    return [];
  }
  const packages: FoundPackage[] = [];
  const goVersion = raw.goVersion.split(" ")[0] ?? "";
  const main = info.main ?? (info.path ? { path: info.path, version: DEVEL } : undefined);
  if (main) {
    const version = main.version === DEVEL ? pseudoVersion(info.settings) : main.version;
    packages.push(goPackage(path, { ...main, version }));
  }
  for (const dep of info.deps) packages.push(goPackage(path, dep));
  if (goVersion.startsWith("go")) {
    packages.push({
      type: "go-module",
      name: "stdlib",
      version: goVersion,
      purl: packageUrl("golang", undefined, "stdlib", goVersion.slice(2)),
      licenses: ["BSD-3-Clause"],
      locations: [path],
      foundBy: "acquired package info from go module information",
      files: [],
    });
  }
  return packages;
}

/**
 * A module as Syft reports it: a replacement by another module takes its path and version; a
 * replacement by a local directory ("../fork") keeps the original path, with the version the
 * build knew ("(devel)", i.e. none).
 */
function goPackage(path: string, module: GoModule): FoundPackage {
  let name = module.path;
  let effective = module;
  if (module.replace) {
    if (!module.replace.path.startsWith(".") && !module.replace.path.startsWith("/")) name = module.replace.path;
    effective = module.replace;
  }
  const version = effective.version === DEVEL ? "" : effective.version;
  const checksum = h1Checksum(effective.sum);
  const slash = name.lastIndexOf("/");
  return {
    type: "go-module",
    name,
    version,
    purl: slash > 0 && slash < name.length - 1 ? packageUrl("golang", name.slice(0, slash), name.slice(slash + 1), version) : packageUrl("golang", undefined, name, version),
    licenses: [],
    ...(checksum ? { checksums: [checksum] } : {}),
    locations: [path],
    foundBy: "acquired package info from go module information",
    files: [],
  };
}

/** go.sum's "h1:" hash is the base64 of a SHA-256 (of the module's file list), so SPDX can carry it as one. */
export function h1Checksum(sum: string | undefined): SpdxChecksum | undefined {
  if (!sum?.startsWith("h1:")) return undefined;
  const bytes = Buffer.from(sum.slice(3), "base64");
  return bytes.byteLength === 32 ? { algorithm: "SHA256", checksumValue: bytes.toString("hex") } : undefined;
}

/**
 * A main module built from a checkout has version "(devel)"; the VCS stamp gives the version
 * the go command would give that commit, v0.0.0-<UTC time>-<12 hex of the revision>, as Syft
 * derives it. Without a stamp there is no version.
 */
function pseudoVersion(settings: ReadonlyMap<string, string>): string {
  const revision = settings.get("vcs.revision");
  const time = settings.get("vcs.time");
  if (!revision || !time || !/^[0-9a-f]{12,}$/.test(revision)) return "";
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "";
  const stamp = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `v0.0.0-${stamp}-${revision.slice(0, 12)}`;
}

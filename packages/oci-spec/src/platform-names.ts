/**
 * The operating systems and architectures a platform may name, and their canonical spellings.
 * The lists are containerd's (platforms/database.go, itself Go's syslist.go): what a registry,
 * containerd and BuildKit know. A name outside them is a typo far more often than a new port, so
 * it is refused rather than written into a manifest no runtime would ever select.
 */

export const knownOperatingSystems: readonly string[] = [
  "aix",
  "android",
  "darwin",
  "dragonfly",
  "freebsd",
  "hurd",
  "illumos",
  "ios",
  "js",
  "linux",
  "nacl",
  "netbsd",
  "openbsd",
  "plan9",
  "solaris",
  "windows",
  "zos",
];

export const knownArchitectures: readonly string[] = [
  "386",
  "amd64",
  "amd64p32",
  "arm",
  "armbe",
  "arm64",
  "arm64be",
  "loong64",
  "mips",
  "mipsle",
  "mips64",
  "mips64le",
  "mips64p32",
  "mips64p32le",
  "ppc",
  "ppc64",
  "ppc64le",
  "riscv",
  "riscv64",
  "s390",
  "s390x",
  "sparc",
  "sparc64",
  "wasm",
];

/** Spellings that toolchains and uname use for a known architecture (what normalizeArchitecture maps). */
export const architectureAliases: readonly string[] = ["x86_64", "x86-64", "aarch64", "armhf", "armel", "i386", "i686"];

export function isKnownOperatingSystem(os: string): boolean {
  return knownOperatingSystems.includes(os);
}

export function isKnownArchitecture(architecture: string): boolean {
  return knownArchitectures.includes(architecture);
}

/** containerd's normalizeOS: lower case, and `macos` is `darwin`. */
export function normalizeOperatingSystem(os: string): string {
  const lower = os.toLowerCase();
  return lower === "macos" ? "darwin" : lower;
}

/**
 * containerd's normalizeArch: toolchains and uname report `x86_64` or `aarch64`, images say
 * `amd64` or `arm64`; `arm64/v8` and `arm64` are the same platform (v8 is dropped because most
 * arm64 images omit it); bare `arm` means v7; amd64's v1 is the baseline every CPU meets. `i686`
 * is ours: containerd maps only `i386`, but 32-bit x86 userlands report i686 (uname -m).
 */
export function normalizeArchitecture(architecture: string, variant: string): [string, string] {
  const arch = architecture.toLowerCase();
  const v = variant.toLowerCase();
  switch (arch) {
    case "i386":
    case "i686":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", v === "v1" ? "" : v];
    case "aarch64":
    case "arm64":
      if (v === "8" || v === "v8" || v === "v8.0") return ["arm64", ""];
      if (v === "9" || v === "9.0" || v === "v9.0") return ["arm64", "v9"];
      return ["arm64", v];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (v === "" || v === "7") return ["arm", "v7"];
      if (v === "5" || v === "6" || v === "8") return ["arm", `v${v}`];
      return ["arm", v];
    default:
      return [arch, v];
  }
}

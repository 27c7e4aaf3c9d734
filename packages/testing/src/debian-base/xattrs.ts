import { ToolFailedError } from "../errors.js";
import { runTool } from "../run-tool.js";

// Arguments per getfattr run: well below ARG_MAX, few enough runs for a whole rootfs (~8 700 paths).
const ARGS_BYTES = 128 * 1024;

/**
 * Every extended attribute of `paths` (absolute), symlinks not followed, values in hex:
 * `getfattr -h -d -m - -e hex` from Debian's `attr`, which lists every namespace (security.*,
 * trusted.*, user.*, system.posix_acl_*). Paths without attributes are absent from the result.
 */
export async function readXattrs(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  let chunk: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const out = await runTool("getfattr", ["-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", "--", ...chunk], { signal, maxBuffer: 256 * 1024 * 1024 });
    for (const [path, attrs] of parseGetfattr(out)) result.set(path, attrs);
    chunk = [];
    bytes = 0;
  };
  for (const path of paths) {
    if (bytes + path.length > ARGS_BYTES) await flush();
    chunk.push(path);
    bytes += path.length + 1;
  }
  await flush();
  return result;
}

/**
 * Parses getfattr's dump format:
 *   # file: /abs/path
 *   name=0xHEX
 *   (blank line)
 * getfattr writes bytes that could be mistaken for the format (newline, backslash, non-printable)
 * of file and attribute names as octal escapes (`\012`, `\134`); they are decoded here.
 */
export function parseGetfattr(output: string): Map<string, Record<string, string>> {
  const result = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of output.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# file: ")) {
      current = {};
      result.set(unescapeOctal(line.slice("# file: ".length)), current);
      continue;
    }
    if (!current || line.startsWith("=")) throw new ToolFailedError("getfattr", `unexpected output line ${JSON.stringify(line)}`);
    // An attribute without a value is printed bare by some versions, "=0x" by others.
    const eq = line.indexOf("=");
    const name = eq === -1 ? line : line.slice(0, eq);
    const value = eq === -1 ? "" : line.slice(eq + 1);
    current[unescapeOctal(name)] = value === "" || value === '""' ? "0x" : value;
  }
  return result;
}

function unescapeOctal(text: string): string {
  if (!text.includes("\\")) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x5c && i + 3 < raw.length && isOctal(raw[i + 1]) && isOctal(raw[i + 2]) && isOctal(raw[i + 3])) {
      bytes.push(((raw[i + 1]! - 48) << 6) | ((raw[i + 2]! - 48) << 3) | (raw[i + 3]! - 48));
      i += 3;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function isOctal(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 55;
}

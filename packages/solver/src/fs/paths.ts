// POSIX path helpers with Go's filepath semantics, which is what Docker's pattern rules, COPY
// rules and layer tars are defined in. node:path's normalize keeps trailing slashes and turns ""
// into ".", which would make our patterns and COPY destinations disagree with BuildKit's.

/** Go's filepath.Clean for "/"-separated paths: no ".", no "a/..", no repeated or trailing "/". */
export function cleanPath(path: string): string {
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** The parent of a clean relative path, "" for a top-level name. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** The last component of a clean path. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Joins a clean relative (or "") directory and a relative path without doubling slashes. */
export function joinRelative(dir: string, rel: string): string {
  if (dir === "") return rel;
  if (rel === "") return dir;
  return `${dir}/${rel}`;
}

/** Every proper ancestor of a clean relative path, outermost first: "a/b/c" -> ["a", "a/b"]. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let index = path.indexOf("/");
  while (index >= 0) {
    out.push(path.slice(0, index));
    index = path.indexOf("/", index + 1);
  }
  return out;
}

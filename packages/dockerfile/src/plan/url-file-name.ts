/**
 * The name `ADD <url> <dest>` gives the downloaded file, as BuildKit decides it: the Dockerfile
 * front end takes the last element of the URL's (decoded) path, or `__unnamed__` when there is
 * none or the URL does not parse (dockerfile2llb/convert_copy.go), and passes it to the http
 * source as llb.Filename, which then makes it safe (source/util/pathutil SafeFileName: `download`
 * for an empty, `.`, `..` or control-character name). Because the front end always passes a
 * name, BuildKit's http source never uses Content-Disposition for a Dockerfile ADD, and neither
 * does exp.
 */
export function urlFileName(url: string): string {
  let name = "__unnamed__";
  try {
    // The path as Go's url.Parse gives it: raw (no WHATWG dot-segment removal, so `/..` stays),
    // then %-decoded; a bad escape fails the parse, as decodeURIComponent does.
    const raw = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url)?.[1] ?? "";
    const base = goPathBase(decodeURIComponent(raw));
    if (base !== "." && base !== "/") name = base;
  } catch {
    // keep __unnamed__
  }
  return safeFileName(name);
}

/** Go's path.Base: the last element, trailing slashes dropped; "." for "", "/" for only slashes. */
function goPathBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function safeFileName(name: string): string {
  const trimmed = name.trim();
  const base = goPathBase(trimmed);
  // eslint-disable-next-line no-control-regex
  if (base === "" || base === "." || base === ".." || base === "/" || /[\u0000-\u001f\u007f-\u009f]/.test(base)) return "download";
  return base;
}

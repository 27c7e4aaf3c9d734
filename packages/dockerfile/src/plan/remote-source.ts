/**
 * What kind of remote source an ADD source is, if any: an http(s) URL, or a git repository
 * (`git@host:repo`, `git://`, `ssh://`, or an http(s) URL ending in `.git`, optionally `#ref`).
 * Other `scheme://` sources count as URLs too: exp reads only local files.
 */
export function remoteSourceKind(source: string): "url" | "git" | undefined {
  if (/^git@[^:/]+:/.test(source) || /^(git|ssh|git\+ssh|ssh\+git):\/\//i.test(source)) return "git";
  if (/^https?:\/\//i.test(source)) return /\.git(?:[#?].*)?$/.test(source) ? "git" : "url";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return "url";
  return undefined;
}

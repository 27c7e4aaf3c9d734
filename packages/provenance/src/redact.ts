import { isSecretName } from "@exp/errors";

/** BuildKit's mask (util/urlutil RedactCredentials), so a redacted URL reads the same in both. */
export const MASK = "xxxxx";

// Query parameters that carry a credential in the URLs people ADD from: S3/GCS presigned URLs
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, X-Goog-Signature), Azure SAS (`sig`),
// and the generic token/key/password names isSecretName knows.
const secretQueryName = (name: string): boolean => isSecretName(name) || /^sig$|signature/i.test(name);

/**
 * A URL as provenance may show it. BuildKit replaces the user and password of a URL with `xxxxx`
 * (RedactCredentials, applied to Git and HTTP materials, the context URL and `vcs:source`). That
 * keeps a presigned URL's signature or a `?token=` in the query, so exp is stricter: the value of
 * every secret-looking query parameter is masked too. Anything that does not parse as a URL with
 * an authority is returned unchanged, as BuildKit does (`git@github.com:org/repo.git` carries no
 * secret; a scp-style `user:pass@host:path` is masked by its own rule).
 */
export function redactUrl(text: string): string {
  const scp = /^([^/@:\s]+):([^/@\s]+)@([^/:\s]+:)/.exec(text);
  if (scp) return `${MASK}:${MASK}@${scp[3]}${text.slice(scp[0].length)}`;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(text);
  if (!match) return text;
  let [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf("@");
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(":");
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    // As RedactCredentials: user and password both masked; a user alone masked; an empty user kept.
    const masked = colon === -1 ? (user ? MASK : "") : `${user ? MASK : ""}:${MASK}`;
    authority = `${masked}@${authority.slice(at + 1)}`;
  }
  return scheme + authority + redactQuery(rest);
}

function redactQuery(pathQueryFragment: string): string {
  const q = pathQueryFragment.indexOf("?");
  if (q === -1) return pathQueryFragment;
  const hash = pathQueryFragment.indexOf("#", q);
  const end = hash === -1 ? pathQueryFragment.length : hash;
  const params = pathQueryFragment
    .slice(q + 1, end)
    .split("&")
    .map((param) => {
      const eq = param.indexOf("=");
      const name = eq === -1 ? param : param.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return eq !== -1 && secretQueryName(decoded) ? `${name}=${MASK}` : param;
    });
  return `${pathQueryFragment.slice(0, q + 1)}${params.join("&")}${pathQueryFragment.slice(end)}`;
}

/**
 * A build arg's or label's value as provenance may show it (mode=max; mode=min drops both). BuildKit
 * writes them verbatim, so `--build-arg NPM_TOKEN=…` or a proxy URL with a password would end up
 * in every image's attestation; exp masks the whole value when the name looks like a secret's
 * (the names Docker's SecretsUsedInArgOrEnv check warns about, and `*_PAT`) or the value has the
 * format of a well-known token (`ghp_…`, `glpat-…`, `AKIA…`, a JWT), and redacts URL credentials
 * in any other value.
 */
export function redactArgValue(name: string, value: string): string {
  if (isSecretName(name) || /(?:^|[_.-])pat(?:$|[_.-])/i.test(name) || knownTokenFormat.test(value)) return MASK;
  return redactEmbeddedUrls(value);
}

// Tokens recognisable by their format whatever the variable is called: GitHub (ghp_, gho_, ghu_,
// ghs_, ghr_, github_pat_), GitLab (glpat-), Slack (xox?-), npm (npm_), AWS access key ids, Stripe
// and OpenAI-style secret keys, and JWTs.
const knownTokenFormat =
  /\b(?:gh[pousr]_[A-Za-z0-9_]{4,}|github_pat_[A-Za-z0-9_]{4,}|glpat-[A-Za-z0-9_-]{4,}|xox[abposr]-[A-Za-z0-9-]{4,}|npm_[A-Za-z0-9]{4,}|(?:AKIA|ASIA)[A-Z0-9]{16}|sk_(?:live|test)_[A-Za-z0-9]{4,}|sk-[A-Za-z0-9_-]{16,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/;

/** redactUrl on every URL inside a text (`--index-url https://user:token@host/simple`), not only a whole-value URL. */
export function redactEmbeddedUrls(text: string): string {
  return redactUrl(text).replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]+/g, (url) => redactUrl(url));
}

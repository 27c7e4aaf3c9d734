/** What replaces a secret in any text we show. */
export const REDACTED = "[REDACTED]";

// Shapes that are secrets whatever their context: JWTs, and long runs of base64/hex-like
// characters that mix letters and digits (API keys, PATs, base64 "user:pass"). The run takes the
// punctuation passwords hold (`@`, `!`, `#`, `%`...) too: stopping at it would redact one side of
// such a password and print the other.
const jwt = /\b[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g;
const longToken = /[A-Za-z0-9+/_=@!#$%^&*~.-]{24,}/g;
// "password: x", "Secret=x", `"token":"x"` and Authorization headers: redact the value.
const labelled = /((?:pass(?:word)?|secret|token|auth(?:orization)?|identitytoken|credential)s?["']?\s*[:=]\s*["']?)(?:(?:Basic|Bearer)\s+)?[^\s"',;}]+/gi;

/**
 * Removes secrets from text that came from elsewhere (a helper's stderr, a server's error body)
 * before it goes into an error message. Known secrets are removed exactly; the patterns catch
 * what we cannot know, at the price of sometimes hiding a harmless long word.
 */
export function redactSecrets(text: string, known: ReadonlyArray<string | undefined> = []): string {
  return removeKnownSecrets(text, known)
    .replace(labelled, `$1${REDACTED}`)
    .replace(jwt, REDACTED)
    .replace(longToken, (match) => (/[0-9]/.test(match) && /[A-Za-z]/.test(match) ? REDACTED : match));
}

/**
 * Removes exactly these secrets (longest first, so a secret inside another goes with it), and
 * nothing else: for text whose long hex and base64 runs (digests) must stay readable.
 */
export function removeKnownSecrets(text: string, known: ReadonlyArray<string | undefined>): string {
  let result = text;
  const secrets = known.filter((s): s is string => s !== undefined && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of secrets) result = result.split(secret).join(REDACTED);
  return result;
}

/**
 * The secrets an Authorization header carries: a bearer token, or Basic's base64 with the
 * `user:password` and the password it decodes to. A server may echo any of them back.
 */
export function secretsOfAuthorization(authorization: string | undefined): string[] {
  const match = /^(\S+)\s+(\S+)$/.exec(authorization?.trim() ?? "");
  if (!match) return [];
  const [, scheme, credential] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() !== "basic") return [credential];
  const decoded = Buffer.from(credential, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return [credential, decoded, ...(colon >= 0 ? [decoded.slice(colon + 1)] : [])];
}

/** Shortens text for a message, so a huge body cannot swamp it. */
export function truncate(text: string, max = 500): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max)}… (${trimmed.length - max} more characters)`;
}

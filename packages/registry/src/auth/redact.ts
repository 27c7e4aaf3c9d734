/** What replaces a secret in any text we show. */
export const REDACTED = "[REDACTED]";

// Shapes that are secrets whatever their context: JWTs, and long runs of base64/hex-like
// characters that mix letters and digits (API keys, PATs, base64 "user:pass").
const jwt = /\b[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g;
const longToken = /[A-Za-z0-9+/_=-]{24,}/g;
// "password: x", "Secret=x", `"token":"x"` and Authorization headers: redact the value.
const labelled = /((?:pass(?:word)?|secret|token|auth(?:orization)?|identitytoken|credential)s?["']?\s*[:=]\s*["']?)(?:(?:Basic|Bearer)\s+)?[^\s"',;}]+/gi;

/**
 * Removes secrets from text that came from elsewhere (a helper's stderr, a server's error body)
 * before it goes into an error message. Known secrets are removed exactly; the patterns catch
 * what we cannot know, at the price of sometimes hiding a harmless long word.
 */
export function redactSecrets(text: string, known: ReadonlyArray<string | undefined> = []): string {
  let result = text;
  for (const secret of known) {
    if (secret !== undefined && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result
    .replace(labelled, `$1${REDACTED}`)
    .replace(jwt, REDACTED)
    .replace(longToken, (match) => (/[0-9]/.test(match) && /[A-Za-z]/.test(match) ? REDACTED : match));
}

/** Shortens text for a message, so a huge body cannot swamp it. */
export function truncate(text: string, max = 500): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max)}… (${trimmed.length - max} more characters)`;
}

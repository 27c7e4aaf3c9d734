/**
 * Redaction of text that outlives the call that made it (a build history record, a log line):
 * the secrets the caller declares (a password, a secret build arg's value) wherever they appear,
 * and whatever looks like a credential whether declared or not: an Authorization header's value,
 * a Basic/Bearer token, a token or signature query parameter, a password in a URL, a
 * secret-looking `name=value` attribute of a buildx spec. The CLI prints through the same
 * function, so what the library writes and what the terminal shows are masked alike.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return maskCredentials(out);
}

const MASK = "****";

/** The pattern half of redactSecrets: credential-looking text, with no secret declared. */
export function maskCredentials(text: string): string {
  return text
    .replace(/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(basic|bearer|token)?\s*[^\s"',;]+/gi, (_m, name: string, sep: string, scheme?: string) => `${name}${sep}${scheme ? `${scheme} ` : ""}${MASK}`)
    // A token may hold dots (a JWT), but one at its end is the sentence's: it stays.
    .replace(/\b(Basic|Bearer)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=._~-])[A-Za-z0-9._~+/=-]{7,}[A-Za-z0-9_~+/=-]/g, `$1 ${MASK}`)
    .replace(/([?&](?:access_token|token|password|secret|signature|x-amz-signature|x-amz-credential|sig)=)[^&\s"']+/gi, `$1${MASK}`)
    .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${MASK}@`)
    .replace(secretAttr, `$1${MASK}`)
    .replace(knownSecretAttr, `$1${MASK}`);
}

// The attributes exp's own specs take secrets in (S3's and Azure's secret_access_key and
// session_token, GitHub's token and ghtoken), masked after a space or "=" too: a message that
// quotes a spec starting with one (`--cache-to secret_access_key=…,type=s3`) has no CSV field
// start before it, which is all secretAttr trusts for names it only guesses are secret.
const knownSecretAttr = /((?:^|[\s=,'"])(?:secret_access_key|session_token|ghtoken|token)\s*=)[^,'"\s]*/gi;

// A name that looks like it holds a secret (API_TOKEN, secret_access_key, password).
const secretName = /token|secret|passw|pwd|key|auth|credential|cookie|session|private/i;

/** True for a build arg or spec attribute whose name looks like it holds a secret (API_TOKEN, secret_access_key). */
export function isSecretName(name: string): boolean {
  return secretName.test(name);
}

// A `name=value` field of a buildx CSV spec whose name looks like a secret (`secret_access_key`,
// `session_token`, a plugin's `password`), where a field starts: at the start, after a comma, or
// after the quote that opens a spec quoted in a message (commander's 'argument ...', a JSON string).
// Names are bounded so that a long run of word characters after a quote cannot make it quadratic.
const secretAttr = /((?:^|[,'"])\s*[A-Za-z0-9_.-]{0,40}(?:token|secret|passw|pwd|key|auth|credential|cookie|session|private)[A-Za-z0-9_.-]{0,40}\s*=)[^,'"\s]*/gi;

/**
 * Masks the values of secret-looking attributes in text that quotes an `--output`/`--cache-to`/
 * `--cache-from` spec: a usage error repeats the spec the user typed, attributes and all, and
 * `secret_access_key=` or `session_token=` must not reach the terminal that way.
 */
export function maskSecretAttrs(text: string): string {
  return text.replace(secretAttr, `$1${MASK}`);
}

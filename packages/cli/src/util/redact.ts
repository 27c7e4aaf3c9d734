/**
 * The last line of defence before anything reaches the terminal: messages from the packages are
 * already free of secrets, but a credential must never be printed even if one slips through.
 * Authorization-like strings are masked always; the values of build args whose names look like
 * secrets (TOKEN, PASSWORD, ...) are masked wherever they appear.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(buildArgs: Readonly<Record<string, string>> = {}) {
    this.secrets = Object.entries(buildArgs)
      .filter(([key, value]) => secretName.test(key) && value.length >= 4)
      .map(([, value]) => value)
      .sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("****");
    out = out
      .replace(/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(basic|bearer|token)?\s*[^\s"',;]+/gi, (_m, name: string, sep: string, scheme?: string) => `${name}${sep}${scheme ? `${scheme} ` : ""}****`)
      .replace(/\b(Basic|Bearer)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=._~-])[A-Za-z0-9._~+/=-]{8,}/g, "$1 ****")
      .replace(/([?&](?:access_token|token|password|secret|signature|x-amz-signature|x-amz-credential|sig)=)[^&\s"']+/gi, "$1****")
      .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, "$1****@");
    return maskSecretAttrs(out);
  }
}

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
  return text.replace(secretAttr, "$1****");
}

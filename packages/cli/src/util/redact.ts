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
    return out
      .replace(/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(basic|bearer|token)?\s*[^\s"',;]+/gi, (_m, name: string, sep: string, scheme?: string) => `${name}${sep}${scheme ? `${scheme} ` : ""}****`)
      .replace(/\b(Basic|Bearer)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=._~-])[A-Za-z0-9._~+/=-]{8,}/g, "$1 ****")
      .replace(/([?&](?:access_token|token|password|secret|signature|x-amz-signature|x-amz-credential|sig)=)[^&\s"']+/gi, "$1****")
      .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, "$1****@");
  }
}

const secretName = /token|secret|passw|pwd|key|auth|credential|cookie|session|private/i;

/** One challenge from a WWW-Authenticate header. Scheme and parameter names are lowercased. */
export interface Challenge {
  scheme: "basic" | "bearer" | (string & {});
  params: Record<string, string>;
}

// RFC 7230 tchar: the characters a scheme or parameter name may use.
const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// A token68 credential blob right after the scheme ("Negotiate abc=="), ending the challenge.
const token68 = /[ \t]+[A-Za-z0-9\-._~+/]+=*[ \t]*(?=,|$)/y;

/**
 * Parses WWW-Authenticate values per RFC 7235: several challenges per header, comma-separated
 * auth-params, quoted strings with backslash escapes (commas inside quotes belong to the value),
 * case-insensitive scheme and parameter names. Never throws: registries and proxies send sloppy
 * headers, so anything unreadable is skipped and the rest is kept.
 */
export function parseChallenges(header: string | readonly string[]): Challenge[] {
  if (typeof header !== "string") return header.flatMap((value) => parseChallenges(value));
  const parser = new Parser(header);
  const challenges: Challenge[] = [];
  while (!parser.done()) {
    parser.skip(/[\s,]/);
    const scheme = parser.token();
    if (scheme === "") {
      parser.advance(); // a stray character where a scheme should start
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // Registries never send token68 challenges; skip the blob rather than misread it as params.
    if (!parser.match(token68)) parseParams(parser, challenge);
  }
  return challenges;
}

function parseParams(parser: Parser, challenge: Challenge): void {
  for (;;) {
    parser.skip(/[\s,]/);
    const start = parser.pos;
    const name = parser.token();
    if (name === "") return;
    parser.skip(/[ \t]/);
    if (parser.peek() !== "=") {
      // A token not followed by "=" is the scheme of the next challenge: rewind for the caller.
      parser.pos = start;
      return;
    }
    parser.advance();
    parser.skip(/[ \t]/);
    // Unquoted values should be tokens, but some servers send bare URLs: read to the next comma.
    challenge.params[name.toLowerCase()] = parser.peek() === '"' ? parser.quoted() : parser.take(/[^,\s]/);
  }
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  advance(): void {
    this.pos++;
  }

  /** Consumes a sticky-regexp match at the current position, if there is one. */
  match(pattern: RegExp): boolean {
    pattern.lastIndex = this.pos;
    if (!pattern.test(this.text)) return false;
    this.pos = pattern.lastIndex;
    return true;
  }

  skip(pattern: RegExp): void {
    this.take(pattern);
  }

  take(pattern: RegExp): string {
    const start = this.pos;
    while (!this.done() && pattern.test(this.text[this.pos] as string)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  token(): string {
    return this.take(tchar);
  }

  /** Reads a quoted-string starting at the opening quote; an unterminated one runs to the end. */
  quoted(): string {
    this.pos++;
    let value = "";
    while (!this.done()) {
      const char = this.text[this.pos++] as string;
      if (char === '"') return value;
      if (char === "\\" && !this.done()) value += this.text[this.pos++];
      else value += char;
    }
    return value;
  }
}

import { randomBytes } from "node:crypto";

/**
 * The marker every secret of the suite starts with. Any output holding it (even a truncated
 * secret) is a leak: nothing else in the suite (contexts, names, paths) contains it.
 */
export const MARKER = "s3cr3t";

/**
 * `s3cr3t-<KIND>-9f2c<random><punctuation><random>`: random per run, so a stale file from an
 * earlier run can never match or mask, with the punctuation in the middle so that a redaction
 * that stops at it leaves a random part behind for `fragmentsOf` to find.
 */
export function distinctive(kind: string, punctuation = ""): string {
  return `${MARKER}-${kind}-9f2c${randomBytes(5).toString("hex")}${punctuation}${randomBytes(5).toString("hex")}`;
}

/** Length of the windows `fragmentsOf` takes: long enough never to turn up by chance. */
const FRAGMENT = 10;

/**
 * Every 10-character window of a distinctive secret's random part: a partly redacted or
 * truncated secret still shows one of them.
 */
export function fragmentsOf(secret: string, label: string): Needle[] {
  if (!secret.startsWith(`${MARKER}-`)) return [];
  const tail = secret.slice(secret.indexOf("-", MARKER.length + 1) + 1);
  const out: Needle[] = [];
  for (let at = 0; at + FRAGMENT <= tail.length; at++) out.push({ secret: label, encoding: `fragment ${at}`, text: tail.slice(at, at + FRAGMENT) });
  return out;
}

/** One string to search for: a secret (or the marker) in one encoding. */
export interface Needle {
  /** Which secret, e.g. "basic registry password". */
  secret: string;
  /** How it is encoded, e.g. "raw", "base64 (offset 1)", "URL-encoded". */
  encoding: string;
  text: string;
}

/**
 * The forms a secret takes when something prints or stores it without meaning to: raw, JSON- and
 * URL-escaped, and base64/base64url at each of the three byte alignments, so the secret is found
 * inside any larger base64 text (a Basic header's `user:password`, a docker config `auth`, a
 * base64 JSON document such as `containerimage.descriptor`) wherever it starts in that text.
 */
export function encodingsOf(secret: string, label: string): Needle[] {
  const out = new Map<string, Needle>();
  const add = (encoding: string, text: string) => {
    if (text.length >= 6 && !out.has(text)) out.set(text, { secret: label, encoding, text });
  };
  add("raw", secret);
  add("JSON-escaped", JSON.stringify(secret).slice(1, -1));
  add("URL-encoded", encodeURIComponent(secret));
  add("form-encoded", new URLSearchParams({ x: secret }).toString().slice(2));
  for (let offset = 0; offset < 3; offset++) {
    const bytes = Buffer.concat([Buffer.alloc(offset, 0x41), Buffer.from(secret, "utf8")]);
    // Base64 characters that depend only on the secret's own bytes: skip the ones mixed with the
    // padding before it, and the last group, which depends on what follows.
    const skip = Math.ceil((offset * 8) / 6);
    const whole = Math.floor((bytes.length * 8) / 6);
    const inner = bytes.toString("base64").slice(skip, whole - 1);
    add(`base64 (offset ${offset})`, inner);
    add(`base64url (offset ${offset})`, inner.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return [...out.values()];
}

/** What a registry's Basic header carries for these credentials, exactly. */
export function basicHeaderValue(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString("base64");
}

/** A place where a needle was found. */
export interface Leak {
  where: string;
  secret: string;
  encoding: string;
  /** Some characters around the match, with the match itself masked. */
  context: string;
}

/**
 * The secrets of the suite. Tokens a server issues are added while the suite runs (`watch`), so
 * every scan looks for everything known so far.
 */
export class SecretBook {
  private readonly fixed: Needle[] = [];
  private readonly sources: Array<() => ReadonlyArray<{ label: string; value: string }>> = [];

  add(label: string, value: string): this {
    this.fixed.push(...encodingsOf(value, label), ...fragmentsOf(value, label));
    return this;
  }

  addBasic(label: string, username: string, password: string): this {
    this.add(label, password);
    this.fixed.push({ secret: `${label} (Basic header)`, encoding: "base64 user:password", text: basicHeaderValue(username, password) });
    return this;
  }

  /** Secrets only known later (tokens issued during the suite). */
  watch(source: () => ReadonlyArray<{ label: string; value: string }>): this {
    this.sources.push(source);
    return this;
  }

  needles(): Needle[] {
    const dynamic = this.sources.flatMap((source) => source()).flatMap(({ label, value }) => encodingsOf(value, label));
    // The marker raw only: its base64 forms are 6-8 characters, short enough to turn up by chance in compressed bytes.
    return [{ secret: "the secrets' marker", encoding: "raw", text: MARKER }, ...this.fixed, ...dynamic];
  }

  /** The secrets found in `text`, each once (in its first form found); `where` names the output or file. */
  scan(where: string, text: string): Leak[] {
    const leaks: Leak[] = [];
    const found = new Set<string>();
    for (const needle of this.needles()) {
      if (found.has(needle.secret)) continue;
      const at = text.indexOf(needle.text);
      if (at < 0) continue;
      const context = `${text.slice(Math.max(0, at - 80), at)}<<${needle.encoding}>>${text.slice(at + needle.text.length, at + needle.text.length + 40)}`;
      found.add(needle.secret);
      leaks.push({ where, secret: needle.secret, encoding: needle.encoding, context });
    }
    return leaks;
  }
}

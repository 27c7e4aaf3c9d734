import type { OutgoingHttpHeaders } from "node:http";

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy must not
// forward them. `expect` is answered by the proxy itself (node sends 100 Continue to the client).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"]);

/**
 * The end-to-end headers of a message, from node's `rawHeaders` (which keeps repeated headers
 * such as two WWW-Authenticate lines apart), with `rewrite` applied to each value.
 */
export function endToEndHeaders(rawHeaders: readonly string[], drop: readonly string[] = [], rewrite?: (name: string, value: string) => string): OutgoingHttpHeaders {
  const connectionTokens = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === "connection") {
      for (const token of rawHeaders[i + 1]!.split(",")) connectionTokens.add(token.trim().toLowerCase());
    }
  }
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionTokens.has(lower) || drop.includes(lower)) continue;
    const value = rewrite ? rewrite(lower, rawHeaders[i + 1]!) : rawHeaders[i + 1]!;
    const existing = headers[lower];
    headers[lower] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}

import type { Agent, Dispatcher } from "undici";
import { loadUndici } from "./load-undici.js";
import { registryApiHost } from "@exp/oci-spec";

export interface TlsOptions {
  /** Extra CA certificates (PEM) to trust, e.g. a private registry's self-signed CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key (PEM) for registries that require mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HostOptions {
  /**
   * Registries reached without TLS verification, or over plain HTTP when they do not speak TLS
   * (buildx's `registry.insecure=true`): HTTPS is tried first and a host that answers it with plain
   * HTTP is used over HTTP from then on, as BuildKit's httpFallback (util/resolver/resolver.go).
   * localhost and 127.0.0.0/8 are plain HTTP by default, as in docker.
   */
  insecure?: readonly string[];
  /** TLS settings per registry host ("host:port"), or "*" for every host. */
  tls?: Readonly<Record<string, TlsOptions>>;
  /**
   * How long a registry may stay silent before the request fails (and is retried): connecting,
   * waiting for response headers, and between two chunks of a body. Defaults 30 s, 60 s, 60 s.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
}

/** True for hosts docker treats as insecure by default: localhost and the loopback range. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * Decides how to reach each registry host and keeps one keep-alive connection pool (undici Agent)
 * per host, so every request to a registry reuses its connections.
 */
export class Hosts {
  private readonly agents = new Map<string, Agent>();
  /** Insecure hosts that answered HTTPS with plain HTTP: reached over HTTP from then on. */
  private readonly plainHttp = new Set<string>();

  constructor(private readonly options: HostOptions = {}) {}

  /**
   * https (verification off) for an insecure registry until it proves to speak plain HTTP; then,
   * and for a loopback address without TLS settings, http; https otherwise.
   */
  scheme(host: string): "http" | "https" {
    if (this.options.insecure?.includes(host)) return this.plainHttp.has(host) ? "http" : "https";
    if (this.options.tls?.[host]) return "https";
    return isLoopbackHost(host) ? "http" : "https";
  }

  /**
   * After a failed request to `host`: true when it is an insecure registry that answered the TLS
   * handshake with plain HTTP, which is then reached over HTTP (the request is to be sent again).
   * BuildKit's httpFallback (util/resolver/resolver.go) falls back on the same TLS error.
   */
  fallBackToHttp(host: string, error: unknown): boolean {
    // Requests sent at once all fail the handshake: each of them is to be sent again.
    if (!this.options.insecure?.includes(host) || !speaksPlainHttp(error)) return false;
    this.plainHttp.add(host);
    return true;
  }

  /** Where the registry's API lives: docker.io is served from registry-1.docker.io. */
  baseUrl(host: string): string {
    return `${this.scheme(host)}://${registryApiHost(host)}`;
  }

  async dispatcher(origin: URL): Promise<Dispatcher> {
    const key = origin.host;
    let agent = this.agents.get(key);
    if (!agent) {
      const { Agent } = await loadUndici();
      // Another request may have made it while undici loaded.
      const made = this.agents.get(key);
      if (made) return made;
      const tls = this.options.tls?.[key] ?? this.options.tls?.["*"];
      const timeouts = this.options.timeouts ?? {};
      agent = new Agent({
        keepAliveTimeout: 30_000,
        headersTimeout: timeouts.headersMs ?? 60_000,
        bodyTimeout: timeouts.bodyMs ?? 60_000,
        connect: {
          timeout: timeouts.connectMs ?? 30_000,
          ...(tls?.ca ? { ca: tls.ca } : {}),
          ...(tls?.cert ? { cert: tls.cert } : {}),
          ...(tls?.key ? { key: tls.key } : {}),
          // Verification stays on unless the user marked this registry insecure.
          rejectUnauthorized: !this.options.insecure?.includes(key),
        },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}

/** A TLS handshake answered with plain HTTP: OpenSSL's "wrong version number", anywhere in the cause chain. */
function speaksPlainHttp(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: string }).code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/.test(e.message)) return true;
  }
  return false;
}

import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";

// A proxy that holds a request body back (the link's pace, a delay) does not read the client's
// socket, and TCP queues the client's FIN behind every byte not yet read: on loopback the two
// kernel buffers hold megabytes, so a client that gave up (closed its socket) would look alive to
// the proxy for as long as draining those bytes takes at the link's pace. A real slow link keeps
// far less in flight. The kernel does know at once: the client's end leaves ESTABLISHED the
// moment it is closed. So while a body is held back, the proxy polls the connection table
// (Linux's /proc/net/tcp; elsewhere the watch does nothing) and treats such a client as gone.

const ESTABLISHED = 1;
const TCP_TABLE = "/proc/net/tcp";

/** Reads the connection table: `"<local>><remote>"` (kernel hex form) to TCP state. Undefined where unreadable. */
export type TcpTableReader = () => Promise<Map<string, number> | undefined>;

export async function readTcpTable(path = TCP_TABLE): Promise<Map<string, number> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  const states = new Map<string, number>();
  for (const line of text.split("\n").slice(1)) {
    const [, local, remote, st] = line.trim().split(/\s+/);
    if (!local || !remote || !st) continue;
    const key = `${local}>${remote}`;
    // A TIME_WAIT line can share its 4-tuple with a newer connection: ESTABLISHED wins.
    if (states.get(key) !== ESTABLISHED) states.set(key, Number.parseInt(st, 16));
  }
  return states;
}

/** "127.0.0.1", 8080 → "0100007F:1F90", as /proc/net/tcp writes an IPv4 endpoint (address bytes little-endian). */
export function tcpTableEndpoint(address: string, port: number): string | undefined {
  const bytes = address.replace(/^::ffff:/, "").split(".").map(Number);
  if (bytes.length !== 4 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
  return `${bytes.reverse().map((b) => hex(b, 2)).join("")}:${hex(port, 4)}`;
}

interface Watched {
  /** The client's end as the table names it: `<client>><proxy>`. */
  key: string;
  /** Seen ESTABLISHED once: only then does a vanished line mean the client closed (and not another network namespace). */
  seen: boolean;
  onClosed: () => void;
}

/** Polls the connection table while any socket is watched; calls `onClosed` once when its client's end is closed. */
export class ClientCloseWatch {
  private readonly watched = new Map<Socket, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly intervalMs = 50,
    private readonly read: TcpTableReader = () => readTcpTable(),
  ) {}

  /** Watches the server-side socket `socket`; returns the function that stops watching it. */
  watch(socket: Socket, onClosed: () => void): () => void {
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (!remoteAddress || !remotePort || !localAddress || !localPort) return () => {};
    const client = tcpTableEndpoint(remoteAddress, remotePort);
    const server = tcpTableEndpoint(localAddress, localPort);
    if (!client || !server) return () => {};
    const entry: Watched = { key: `${client}>${server}`, seen: false, onClosed };
    this.watched.set(socket, entry);
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs).unref();
    // Only this watch: the next request on a kept-alive socket may have replaced it already.
    return () => {
      if (this.watched.get(socket) === entry) this.unwatch(socket);
    };
  }

  stop(): void {
    this.watched.clear();
    this.idle();
  }

  private unwatch(socket: Socket): void {
    this.watched.delete(socket);
    if (this.watched.size === 0) this.idle();
  }

  private idle(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const table = await this.read();
      if (!table) return this.stop(); // no table here: nothing to learn, stop polling
      for (const [socket, entry] of [...this.watched]) {
        const state = table.get(entry.key);
        if (state === ESTABLISHED) entry.seen = true;
        else if (state !== undefined || entry.seen) {
          this.unwatch(socket);
          entry.onClosed();
        }
      }
    } finally {
      this.polling = false;
    }
  }
}

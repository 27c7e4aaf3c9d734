import { setTimeout as sleep } from "node:timers/promises";

/** A network link to model: how fast bytes go up, and how long a request takes to start. */
export interface LinkOptions {
  /** Upload bandwidth shared by every request through the proxy (a CI runner's uplink). */
  bytesPerSecond: number;
  /** Added before each request is forwarded (a round trip to a far registry). */
  latencyMs?: number;
  /**
   * How far (in ms of transfer) senders may get ahead of the link before they wait, the way a
   * TCP window lets a sender run ahead. Default 50. With none, every 64 KiB chunk sleeps for about
   * a millisecond and timer overshoot makes a single connection reach only about half the
   * bandwidth, which unfairly favours clients that open several connections.
   */
  burstMs?: number;
}

/**
 * A shared uplink as a virtual clock: each chunk is sent when the link has finished sending the
 * chunks before it, so concurrent uploads share the bandwidth as they would on a real uplink.
 */
export class Link {
  private nextFree = 0;

  /** `clock` is injectable so the link's arithmetic can be tested without real time. */
  constructor(
    readonly options: LinkOptions,
    private readonly clock: { now(): number; sleep(ms: number): Promise<unknown> } = { now: () => performance.now(), sleep: (ms) => sleep(ms) },
  ) {
    if (!(options.bytesPerSecond > 0)) throw new RangeError(`link bandwidth must be above 0 bytes/s, got ${options.bytesPerSecond}`);
  }

  /**
   * Resolves when `bytes` more may go through the link: at once while the backlog is within the
   * burst allowance, else after the whole backlog has drained (one long sleep rather than many
   * short ones, so the average rate stays exact and timer overshoot is paid once per burst).
   */
  async send(bytes: number): Promise<void> {
    const now = this.clock.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (bytes / this.options.bytesPerSecond) * 1000;
    const wait = this.nextFree - now;
    if (wait > Math.max(1, this.options.burstMs ?? 50)) await this.clock.sleep(wait);
  }

  async latency(): Promise<void> {
    if (this.options.latencyMs) await this.clock.sleep(this.options.latencyMs);
  }
}

import { InvalidOptionError } from "@exp/errors";
import { seededRandom } from "./prng.js";

/** What to do to a request a rule picked. */
export type Fault =
  /** Answer with this status instead of forwarding (the request body is read and discarded first). */
  | { type: "status"; status: number; retryAfter?: number; body?: string; headers?: Record<string, string> }
  /** Read this many request-body bytes (or the whole body if shorter), then drop the connection without answering. Nothing reaches the target. */
  | { type: "reset-request"; afterBytes: number }
  /**
   * Forward this many request-body bytes to the target, then drop both connections: the target sees
   * its client vanish mid-body (what a flaky proxy or a cut uplink does), the client sees a reset.
   */
  | { type: "cut-request"; afterBytes: number }
  /** Forward, then drop the connection after this many response-body bytes (always before the response is complete). */
  | { type: "reset-response"; afterBytes: number }
  /** Wait, then forward. */
  | { type: "delay"; ms: number }
  /** 413 when the request body (Content-Length, or the bytes actually streamed) exceeds `maxBytes`. */
  | { type: "too-large"; maxBytes: number };

export type FaultType = Fault["type"];

export interface FaultRule {
  /** Which requests the rule considers. Omitted fields match everything. */
  match?: { method?: string; path?: RegExp };
  /** Fault each matching request with this probability (0..1), drawn from the proxy's seeded PRNG. */
  probability?: number;
  /** Fault the matching requests with these 1-based indexes (counted per rule). */
  nth?: number[];
  /** Fault every matching request. Also the behaviour when none of probability, nth, every is given. */
  every?: boolean;
  fault: Fault;
}

const FAULT_TYPES: readonly FaultType[] = ["status", "reset-request", "cut-request", "reset-response", "delay", "too-large"];

/** Checks rules up front, so a typo fails the test that wrote it rather than silently never firing. */
export function validateRules(rules: readonly FaultRule[]): void {
  rules.forEach((rule, i) => {
    const where = `fault rule ${i}`;
    const fault = rule.fault as Fault | undefined;
    if (!fault || !FAULT_TYPES.includes(fault.type)) throw new InvalidOptionError(where, "fault.type", String(fault?.type), FAULT_TYPES.join(", "));
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new InvalidOptionError(where, "probability", String(rule.probability), "a number from 0 to 1");
    }
    if (rule.nth !== undefined && !rule.nth.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new InvalidOptionError(where, "nth", JSON.stringify(rule.nth), "1-based request indexes");
    }
    const amount =
      fault.type === "status" ? fault.status : fault.type === "delay" ? fault.ms : fault.type === "too-large" ? fault.maxBytes : fault.afterBytes;
    const key = fault.type === "status" ? "status" : fault.type === "delay" ? "ms" : fault.type === "too-large" ? "maxBytes" : "afterBytes";
    const ok = fault.type === "status" ? Number.isInteger(amount) && amount >= 100 && amount <= 599 : Number.isFinite(amount) && amount >= 0;
    if (!ok) throw new InvalidOptionError(where, `fault.${key}`, String(amount), fault.type === "status" ? "an HTTP status 100..599" : "a number >= 0");
  });
}

/**
 * Decides, request by request, which fault (if any) applies. Every rule counts the requests that
 * match it; the first rule (in order) that fires wins. Rules after the winner still count the
 * request but draw no random number, so the sequence of draws depends only on the requests seen.
 */
export class FaultPicker {
  private readonly counts: number[];
  private readonly random: () => number;

  constructor(
    private readonly rules: readonly FaultRule[],
    seed: number,
  ) {
    validateRules(rules);
    this.counts = rules.map(() => 0);
    this.random = seededRandom(seed);
  }

  pick(method: string, path: string): Fault | undefined {
    let chosen: Fault | undefined;
    this.rules.forEach((rule, i) => {
      if (rule.match?.method !== undefined && rule.match.method.toUpperCase() !== method.toUpperCase()) return;
      if (rule.match?.path !== undefined) {
        rule.match.path.lastIndex = 0; // a /g or /y regexp would otherwise remember where it stopped
        if (!rule.match.path.test(path)) return;
      }
      const index = ++this.counts[i]!;
      if (chosen) return;
      const unconditional = rule.probability === undefined && rule.nth === undefined && rule.every === undefined;
      if (unconditional || rule.every === true || rule.nth?.includes(index) || (rule.probability !== undefined && this.random() < rule.probability)) {
        chosen = rule.fault;
      }
    });
    return chosen;
  }
}

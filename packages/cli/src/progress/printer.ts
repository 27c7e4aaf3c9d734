import type { ProgressEvent } from "@exp/solver";

export type ProgressMode = "auto" | "plain" | "tty" | "rawjson" | "quiet";

export const progressModes = ["auto", "plain", "tty", "rawjson", "quiet"] as const;

/** Renders a build's progress events. Every mode writes to stderr (stdout is for `-o -` and `--quiet`). */
export interface ProgressPrinter {
  onEvent(event: ProgressEvent): void;
  /** A warning that is not a progress event (the Dockerfile's, from buildImage). */
  warn(message: string): void;
  /** Final state, then the warnings summary; stops any redraw timer. Idempotent. */
  close(): void;
}

/** Where printers write; `redact` has already been applied by the sink. */
export type Write = (text: string) => void;

/** `auto` is `tty` on an interactive terminal outside CI, else `plain`, as in buildx. */
export function effectiveMode(mode: ProgressMode, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Exclude<ProgressMode, "auto"> {
  if (mode !== "auto") return mode;
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return isTTY && !ci && env.TERM !== "dumb" ? "tty" : "plain";
}

/** "2 warnings found:" and one line each; nothing when there are none. */
export function warningsSummary(warnings: readonly string[]): string {
  if (warnings.length === 0) return "";
  return `${warnings.length} warning${warnings.length === 1 ? "" : "s"} found:\n${warnings.map((w) => ` - ${w}\n`).join("")}`;
}

/** Keeps each warning once, in order. */
export class WarningList {
  readonly items: string[] = [];
  private readonly seen = new Set<string>();

  add(message: string): boolean {
    if (this.seen.has(message)) return false;
    this.seen.add(message);
    this.items.push(message);
    return true;
  }
}

export class QuietPrinter implements ProgressPrinter {
  onEvent(): void {}
  warn(): void {}
  close(): void {}
}

/** One JSON object per line: the progress events exactly as the packages emit them. */
export class RawJsonPrinter implements ProgressPrinter {
  constructor(private readonly write: Write) {}

  onEvent(event: ProgressEvent): void {
    this.write(`${JSON.stringify(event)}\n`);
  }

  warn(message: string): void {
    this.write(`${JSON.stringify({ type: "warning", message, at: Date.now() })}\n`);
  }

  close(): void {}
}

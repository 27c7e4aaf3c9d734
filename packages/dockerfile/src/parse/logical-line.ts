import type { SourceLocation } from "../source-location.js";

/**
 * An instruction's text with continuation lines joined, remembering for every character the line
 * and column it came from, so an error in the middle of a continued instruction points at the
 * right physical line.
 */
export class LogicalLine {
  text = "";
  private readonly lines: number[] = [];
  private readonly columns: number[] = [];
  private lastLine = 0;

  append(segment: string, line: number, column: number): void {
    this.text += segment;
    for (let i = 0; i < segment.length; i++) {
      this.lines.push(line);
      this.columns.push(column + i);
    }
    this.lastLine = line;
  }

  /** Where the character at `index` came from; past the end, just after the last character. */
  locationAt(index: number): SourceLocation {
    if (this.lines.length === 0) return { line: this.lastLine || 1, column: 1 };
    const i = Math.max(0, Math.min(index, this.lines.length - 1));
    const past = index > this.lines.length - 1 ? index - (this.lines.length - 1) : 0;
    return { line: this.lines[i]!, column: this.columns[i]! + past };
  }
}

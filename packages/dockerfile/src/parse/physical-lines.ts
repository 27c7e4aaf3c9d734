/** One line of the file as read: its text without the line ending, and the raw text with it. */
export interface PhysicalLine {
  /** 1-based. */
  number: number;
  text: string;
  /** With its line ending: heredoc bodies keep them byte for byte. */
  raw: string;
}

/**
 * Splits the file into lines. A UTF-8 byte-order mark is dropped, and trailing `\r`/`\n` are
 * trimmed from `text` so CRLF files parse like LF ones (BuildKit's trimNewline).
 */
export function splitPhysicalLines(text: string): PhysicalLine[] {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines: PhysicalLine[] = [];
  let start = 0;
  while (start < source.length) {
    const newline = source.indexOf("\n", start);
    const end = newline === -1 ? source.length : newline + 1;
    const raw = source.slice(start, end);
    lines.push({ number: lines.length + 1, text: raw.replace(/[\r\n]+$/, ""), raw });
    start = end;
  }
  return lines;
}

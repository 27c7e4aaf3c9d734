/**
 * Go's text/tabwriter as buildx's printer sets it up (`tabwriter.NewWriter(out, 0, 0, 1, ' ', 0)`):
 * tab-terminated cells are padded with spaces to one more than the widest cell of their column
 * block (consecutive lines that have a cell in that column), empty ones included; the last cell
 * of a line is never padded. buildx flushes between parts of its output, so alignment restarts
 * there: callers format each flushed part with its own call.
 */
export function tabwrite(text: string, padding = 1): string {
  const lines = text.split("\n").map((line) => line.split("\t"));
  const out: string[] = [];
  const widths: number[] = [];
  const width = (cell: string) => [...cell].length;

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      let text = "";
      line.forEach((cell, j) => {
        text += j < widths.length ? cell + " ".repeat(widths[j]! - width(cell)) : cell;
      });
      out.push(text);
    }
  };

  // Go's Writer.format: find each column block, fix its width, recurse into the next column.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      writeLines(start, current);
      start = current;
      let w = 0;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]!) + padding);
      }
      widths.push(w);
      format(start, current);
      widths.pop();
      start = current;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join("\n");
}

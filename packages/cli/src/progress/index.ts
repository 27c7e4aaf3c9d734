import { PlainPrinter } from "./plain.js";
import { QuietPrinter, RawJsonPrinter, effectiveMode, type ProgressMode, type ProgressPrinter, type Write } from "./printer.js";
import { TtyPrinter } from "./tty.js";

export interface PrinterOptions {
  mode: ProgressMode;
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  columns?: number;
  rows?: number;
}

export function createPrinter(write: Write, options: PrinterOptions): ProgressPrinter {
  switch (effectiveMode(options.mode, options.isTTY, options.env)) {
    case "quiet":
      return new QuietPrinter();
    case "rawjson":
      return new RawJsonPrinter(write);
    case "tty":
      return new TtyPrinter(write, {
        color: options.env.NO_COLOR === undefined || options.env.NO_COLOR === "",
        ...(options.columns ? { columns: options.columns } : {}),
        ...(options.rows ? { rows: options.rows } : {}),
      });
    case "plain":
      return new PlainPrinter(write);
  }
}

export { PlainPrinter, type PlainPrinterOptions } from "./plain.js";
export { TtyPrinter, type TtyPrinterOptions } from "./tty.js";
export { RawJsonPrinter, QuietPrinter, effectiveMode, progressModes, type ProgressMode, type ProgressPrinter, type Write } from "./printer.js";

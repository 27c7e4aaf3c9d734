/** Where something starts in the Dockerfile: 1-based line and column (UTF-16 code units). */
export interface SourceLocation {
  line: number;
  column: number;
}

/** `Dockerfile:3:1`, the prefix of warnings and error messages. */
export function formatLocation(file: string, location: SourceLocation): string {
  return `${file}:${location.line}:${location.column}`;
}

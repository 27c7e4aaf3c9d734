/** `exp imagetools inspect` flags, as commander hands them over (cli.ts imports only this type). */
export interface ImagetoolsInspectOptions {
  /** A Go template (the subset template-parse.ts reads). */
  format?: string;
  /** The stored bytes, exactly. */
  raw?: boolean;
  insecureRegistry: string[];
  debug?: boolean;
}

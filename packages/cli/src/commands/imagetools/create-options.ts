/** `exp imagetools create` flags, as commander hands them over (cli.ts imports only this type). */
export interface ImagetoolsCreateOptions {
  /** `-t`: names to push the result to (repeatable). */
  tag: string[];
  /** `-f`: files each holding one source (a digest, a reference or a JSON descriptor). */
  file: string[];
  annotation: string[];
  /** `-p/--platform`: keep only these platforms (comma-separated or repeated). */
  platform: string[];
  append?: boolean;
  dryRun?: boolean;
  /** buildx's default true: one manifest source becomes a one-entry index; false copies it as it is. */
  preferIndex: boolean;
  metadataFile?: string;
  /** quiet and none print nothing; the other modes print a line per step on stderr. */
  progress: string;
  insecureRegistry: string[];
  debug?: boolean;
}

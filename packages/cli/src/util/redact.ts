import { isSecretName, redactSecrets } from "@exp/errors";

// The patterns live in @exp/errors, so the library (the coordinator's history record) and the
// terminal mask alike.
export { isSecretName, maskSecretAttrs } from "@exp/errors";

/**
 * The last line of defence before anything reaches the terminal: messages from the packages are
 * already free of secrets, but a credential must never be printed even if one slips through.
 * Authorization-like strings are masked always; the values of build args whose names look like
 * secrets (TOKEN, PASSWORD, ...) are masked wherever they appear.
 */
export class Redactor {
  /** The values masked wherever they appear; handed to runExport so history is written masked. */
  readonly secrets: readonly string[];

  constructor(buildArgs: Readonly<Record<string, string>> = {}) {
    this.secrets = Object.entries(buildArgs)
      .filter(([key, value]) => isSecretName(key) && value.length >= 4)
      .map(([, value]) => value);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

import { ExpError } from "./exp-error.js";
import { didYouMean } from "./did-you-mean.js";

/** An option key that the component does not know. The message lists what it does know. */
export class UnknownOptionError extends ExpError {
  readonly key: string;
  readonly component: string;

  constructor(component: string, key: string, validKeys: readonly string[]) {
    const suggestion = didYouMean(key, validKeys);
    super(
      "ERR_UNKNOWN_OPTION",
      `${component}: unknown option "${key}"` +
        (suggestion ? ` (did you mean "${suggestion}"?)` : "") +
        `; valid options are: ${[...validKeys].sort().join(", ")}`,
    );
    this.key = key;
    this.component = component;
  }
}

/** A known option with a value it cannot take. `valid` says what it can take, in words. */
export class InvalidOptionError extends ExpError {
  readonly key: string;
  readonly component: string;

  constructor(component: string, key: string, value: string, valid: string, options: { cause?: unknown } = {}) {
    super("ERR_INVALID_OPTION", `${component}: invalid value ${JSON.stringify(value)} for "${key}"; expected ${valid}`, options);
    this.key = key;
    this.component = component;
  }
}

/** A required option that was not given. */
export class MissingOptionError extends ExpError {
  readonly key: string;
  readonly component: string;

  constructor(component: string, key: string, hint: string) {
    super("ERR_MISSING_OPTION", `${component}: option "${key}" is required; ${hint}`);
    this.key = key;
    this.component = component;
  }
}

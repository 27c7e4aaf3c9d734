import { inspect } from "node:util";

/**
 * A credential that never prints itself: an options object that reaches a log, a JSON dump or an
 * error's `inspect` shows `****`, and only `reveal()` gives the value (to the SDK's credential).
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "****";
  }
  toJSON(): string {
    return "****";
  }
  [inspect.custom](): string {
    return "Secret(****)";
  }
}

/**
 * A syntax problem inside one word, thrown by the lexer without file context; the caller turns it
 * into a DockerfileError that names the word and where it is.
 */
export class LexError extends Error {
  readonly unsetVariable: boolean;

  constructor(message: string, options: { unsetVariable?: boolean } = {}) {
    super(message);
    this.name = "LexError";
    this.unsetVariable = options.unsetVariable ?? false;
  }
}

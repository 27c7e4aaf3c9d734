import { access } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { removePreviousOutputs, runExp, sandbox, type RunResult, type Sandbox } from "./sandbox.js";
import { snapshot } from "./snapshot.js";

/**
 * One bad input. Every case runs `exp` in-process in its own sandbox and must give:
 * - the exit code (1 a failure, 2 a usage error; 0 only where the input is sanitised or, as
 *   BuildKit does for `--cache-from`, demoted to a warning);
 * - the stable error `code` (from the `code:` line, or from `direct` where the CLI prints none);
 * - a message that names the bad value and what would be valid (`message`);
 * - every byte of the sandbox as it was (the previous outputs included), but the store and `fresh/`.
 */
export interface BadInputCase {
  name: string;
  /** The context's Dockerfile (default: FROM scratch, COPY a.txt and app/). */
  dockerfile?: string;
  /** Extra files, symlinks, archives... before the run. */
  setup?(sb: Sandbox): Promise<void>;
  argv(sb: Sandbox): string[];
  env?(sb: Sandbox): Record<string, string>;
  exit: 0 | 1 | 2;
  /**
   * The error's stable code. For exit 1 the CLI's `code:` line; otherwise what `direct` rejects
   * with. A RegExp only where two typed outcomes are both right (a network failure reported at
   * once, or after the client's retries ran out).
   */
  code?: string | RegExp;
  /** Each must match the ERROR message (exit 1), commander's message (exit 2) or stderr (exit 0: the warning). */
  message?: RegExp[];
  /** The input is checked before any build step runs (no COPY, no context load in the progress). */
  beforeBuild?: boolean;
  /** The library call behind the case, for a code the CLI does not print (usage errors, warnings). */
  direct?(sb: Sandbox): Promise<unknown> | unknown;
  /** What a sanitised (exit 0) result must look like; runs before the sandbox is compared. */
  verify?(sb: Sandbox, result: RunResult): Promise<void>;
}

/** A raw Node.js or JavaScript error reaching the user: what a typed error is there to prevent. */
const rawError = /^(?:E[A-Z]+:|[A-Z]?[a-z]*Error:|Cannot read propert|Unexpected token|undefined|null)/;

export function describeCorpus(theme: string, cases: readonly BadInputCase[], options: { skip?: boolean } = {}): void {
  afterAll(() => removePreviousOutputs());
  describe.skipIf(options.skip ?? false)(theme, () => {
    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const sb = await sandbox(c.dockerfile);
      try {
        await c.setup?.(sb);
        const before = await snapshot(sb.root, ["store", "fresh"]);
        const result = await runExp(sb, c.argv(sb), c.env?.(sb) ?? {});
        const context = `stderr:\n${result.stderr.slice(-3000)}`;
        // EXP_CORPUS_SHOW=1 prints what each case answered, for reading the corpus's messages at a glance.
        if (process.env.EXP_CORPUS_SHOW) console.log(`[${c.name}] exit ${result.exit} ${result.code ?? ""}: ${result.message ?? result.stderr.split("\n").filter((l) => /^(error| - )/.test(l)).join(" | ")}`.slice(0, 600));
        expect(result.exit, context).toBe(c.exit);
        if (c.exit === 1) {
          if (c.code instanceof RegExp) expect(result.code, context).toMatch(c.code);
          else expect(result.code, context).toBe(c.code);
          expect(result.code, context).toMatch(/^ERR_[A-Z0-9_]+$/);
          expect(result.message, context).toBeDefined();
          expect(result.message, context).not.toMatch(rawError);
          for (const pattern of c.message ?? []) expect(result.message, context).toMatch(pattern);
        } else if (c.exit === 2) {
          expect(result.stderr, context).toMatch(/^error: /);
          expect(result.stderr, context).not.toMatch(/^ERROR: /m);
          for (const pattern of c.message ?? []) expect(result.stderr, context).toMatch(pattern);
        } else {
          for (const pattern of c.message ?? []) expect(result.stderr, context).toMatch(pattern);
        }
        if (c.beforeBuild) expect(result.stderr, "no build step may run before the bad input is refused").not.toMatch(/^#\d+ (?:COPY|\[internal\] load build context)/m);
        if (c.direct) {
          const failure = await Promise.resolve()
            .then(() => c.direct!(sb))
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(failure, "the library call must fail").toBeInstanceOf(Error);
          expect((failure as { code?: unknown }).code).toEqual(c.code instanceof RegExp ? expect.stringMatching(c.code) : c.code);
          expect((failure as Error).message).not.toMatch(rawError);
        } else if (c.exit !== 1) {
          expect(c.code, "a case whose CLI prints no code needs `direct` to check it").toBeUndefined();
        }
        await c.verify?.(sb, result);
        expect(await snapshot(sb.root, ["store", "fresh"]), "the sandbox (previous outputs included) must be unchanged").toEqual(before);
        await expect(access(sb.canary), `${sb.canary} must not exist`).rejects.toMatchObject({ code: "ENOENT" });
      } finally {
        await sb.cleanup();
      }
    });
  });
}

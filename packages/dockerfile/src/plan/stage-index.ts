import type { DockerfileAST, Word } from "../ast.js";
import { lexWord } from "../expand/shell-lexer.js";
import type { PlanContext } from "./plan-context.js";
import type { CopySource } from "./types.js";

/** Stage names and lines, for resolving references between stages and naming them in messages. */
export class StageIndex {
  private readonly byName = new Map<string, number>();

  constructor(private readonly ast: DockerfileAST) {
    ast.stages.forEach((stage, index) => {
      if (stage.from.stageName) this.byName.set(stage.from.stageName.value, index);
    });
  }

  get count(): number {
    return this.ast.stages.length;
  }

  /** Case-insensitive, like Docker. */
  find(name: string): number | undefined {
    return this.byName.get(name.toLowerCase());
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** `stage "build" (line 3)` or `stage 1 (line 9)`. */
  describe(index: number): string {
    const from = this.ast.stages[index]!.from;
    return `${from.stageName ? `stage "${from.stageName.value}"` : `stage ${index}`} (line ${from.location.line})`;
  }

  /**
   * Checks that `from` (a FROM or COPY --from of stage `current`) refers to an earlier stage: a
   * stage can only use what was built before it.
   */
  requireEarlier(ctx: PlanContext, current: number, target: number, what: string, word: Word): number {
    if (target === current) {
      ctx.fail(word.location, `${what} refers to the stage it is in, ${this.describe(current)}; a stage can only use stages defined before it`);
    }
    if (target > current) {
      ctx.fail(
        word.location,
        `${what} refers to ${this.describe(target)}, which comes after ${this.describe(current)}; a stage can only use stages defined before it`,
      );
    }
    return target;
  }

  /**
   * `COPY --from=<stage name | stage index | image>` in stage `current`. As in BuildKit, --from is
   * not expanded: a value with `$` or quotes is an error rather than a silently different image.
   */
  resolveCopyFrom(ctx: PlanContext, current: number, word: Word): CopySource {
    const value = word.value;
    const what = `COPY --from=${value}`;
    if (lexWord(value, () => undefined, { escape: ctx.escape, skipUnsetEnv: false }).result !== value) {
      ctx.fail(
        word.location,
        `${what}: variables and quotes are not expanded in --from; declare a global ARG, add a stage "FROM \${ARG} AS <name>" and copy --from that stage`,
      );
    }
    if (/^[+-]?\d+$/.test(value)) {
      const index = Number(value);
      if (index < 0 || index >= this.count) {
        ctx.fail(word.location, `${what}: there is no stage ${index}; stage indexes here go from 0 to ${this.count - 1}`);
      }
      return { kind: "stage", index: this.requireEarlier(ctx, current, index, what, word) };
    }
    const named = this.find(value);
    if (named !== undefined) return { kind: "stage", index: this.requireEarlier(ctx, current, named, what, word) };
    return { kind: "image", ref: value };
  }
}

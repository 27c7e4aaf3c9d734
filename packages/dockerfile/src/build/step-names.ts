import type { PlannedStage, PlanStep } from "../plan/types.js";

/**
 * Progress names of a stage's steps as BuildKit's Dockerfile front end gives them
 * (dockerfile2llb/convert.go prefixCommand): `[<stage> <n>/<total>] <instruction>`, the stage
 * name only for a named stage, `<n>` padded to the width of `<total>`. The total counts the FROM of
 * an image and every COPY, ADD, RUN and WORKDIR (ONBUILD triggers included), as BuildKit counts
 * them; config instructions (ENV, LABEL, ...) make no step and get no number.
 */
export class StepNames {
  private index = 0;
  private readonly total: number;

  constructor(private readonly stage: PlannedStage) {
    this.total = (stage.base.kind === "image" ? 1 : 0) + stage.steps.filter((step) => step.kind === "copy" || step.kind === "workdir").length;
  }

  /** The next step's name; call it in the order BuildKit numbers them (FROM, then each step). */
  next(text: string, onbuild = false): string {
    this.index += 1;
    const width = String(this.total).length;
    const stage = this.stage.name ? `${this.stage.name} ` : "";
    return `[${stage}${String(this.index).padStart(width, " ")}/${this.total}] ${onbuild ? "ONBUILD " : ""}${text}`;
  }

  /** A step's instruction as it reads in the progress: its history text without the `# buildkit` marker. */
  static instructionText(step: PlanStep & { createdBy: string }): string {
    return step.createdBy.replace(/ # buildkit$/, "");
  }
}

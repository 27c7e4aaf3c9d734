import type { FromInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { base, flagsOf, whitespaceWords } from "./common.js";

const usage = "FROM [--platform=<platform>] <image> [AS <name>]";
const validStageName = /^[a-z][a-z0-9\-_.]*$/;

/** `FROM [--platform=p] image [AS name]`; the name is lower-cased, as Docker does. */
export function buildFrom(raw: RawInstruction, ctx: ParseContext): FromInstruction {
  const flags = flagsOf(raw, { platform: "string" }, ctx);
  const words = whitespaceWords(raw);
  const [image, as, name] = words;
  if (!image) ctx.fail(raw.location, `FROM needs a base image: ${usage}`);
  if (words.length === 2 && as!.value.toLowerCase() === "as") {
    ctx.fail(as!.location, `AS needs a stage name after it: ${usage}`);
  }
  if (words.length !== 1 && (words.length !== 3 || as!.value.toLowerCase() !== "as")) {
    ctx.fail(words[1]!.location, `FROM takes an image and optionally "AS <name>", not ${JSON.stringify(raw.args)}: ${usage}`);
  }
  const node: FromInstruction = { kind: "from", ...base(raw), image };
  if (name) {
    const lower = name.value.toLowerCase();
    if (!validStageName.test(lower)) {
      ctx.fail(
        name.location,
        `invalid stage name ${JSON.stringify(name.value)}: a stage name starts with a letter and has only letters, digits, "-", "_" and "."`,
      );
    }
    node.stageName = { value: lower, location: name.location };
  }
  const platform = flags.string("platform");
  if (platform) node.platform = platform;
  return node;
}

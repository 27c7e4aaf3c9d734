import { ExpError } from "@exp/errors";

/** A `--chmod` value that is neither octal (0..07777) nor chmod(1)'s symbolic form. */
export class InvalidModeError extends ExpError {
  readonly value: string;
  constructor(value: string) {
    super("ERR_INVALID_CHMOD", `invalid --chmod=${value}: use an octal mode such as 0755 or a symbolic one such as u=rwX,go=rX or +x`);
    this.value = value;
  }
}

const SETUID = 0o4000;
const SETGID = 0o2000;
const STICKY = 0o1000;
/** Every bit a symbolic mode may touch but the sticky bit (BSD setmode's STANDARD_BITS). */
const STANDARD = 0o6777;
const WHO = { a: STANDARD, u: SETUID | 0o700, g: SETGID | 0o070, o: 0o007 } as const;
const CLASS_SHIFT = { u: 6, g: 3, o: 0 } as const;

type Command =
  | { kind: "+" | "-" | "X"; bits: number }
  /** Copy the permission bits of class `from` (u, g or o) into the classes in `into`. */
  | { kind: "copy"; from: "u" | "g" | "o"; op: "+" | "-" | "="; into: { u: boolean; g: boolean; o: boolean }; bits: number };

/**
 * A parsed `--chmod`, applied to each copied file and directory the way BuildKit does with
 * tonistiigi/dchapes-mode (BSD setmode semantics with a umask of 0): `u=rwX,go=rX`, `+x`, `a-w`,
 * `g=u`, and octal values, which set every bit. `X` adds execute only to directories and to files
 * that had an execute bit before the change.
 */
export class FileModeChange {
  private constructor(
    private readonly commands: readonly Command[],
    /** The octal value, when the change was written as one (it also sets created parents' mode). */
    readonly octal: number | undefined,
  ) {}

  static parse(value: string): FileModeChange {
    if (/^[0-9]/.test(value)) {
      if (!/^[0-7]+$/.test(value) || Number.parseInt(value, 8) > 0o7777) throw new InvalidModeError(value);
      const octal = Number.parseInt(value, 8);
      return new FileModeChange([{ kind: "-", bits: STANDARD | STICKY }, { kind: "+", bits: octal }], octal);
    }
    return new FileModeChange(parseSymbolic(value), undefined);
  }

  /** The new mode bits (0..07777) of an entry with `mode`. */
  apply(mode: number, isDir: boolean): number {
    const original = mode & 0o7777;
    let next = original;
    for (const command of this.commands) {
      switch (command.kind) {
        case "+":
          next |= command.bits;
          break;
        case "-":
          next &= ~command.bits;
          break;
        case "X":
          if (isDir || (original & 0o111) !== 0) next |= command.bits;
          break;
        case "copy": {
          const value = (next >> CLASS_SHIFT[command.from]) & 0o7;
          for (const target of ["u", "g", "o"] as const) {
            if (!command.into[target]) continue;
            const shift = CLASS_SHIFT[target];
            if (command.op !== "+") next &= ~(((command.op === "=" ? 0o7 : value) << shift) & command.bits);
            if (command.op !== "-") next |= (value << shift) & command.bits;
          }
          break;
        }
      }
    }
    return next & 0o7777;
  }
}

function parseSymbolic(value: string): Command[] {
  const commands: Command[] = [];
  let rest = value;
  const fail = (): never => {
    throw new InvalidModeError(value);
  };
  for (;;) {
    let who = 0;
    while (rest !== "" && "augo".includes(rest[0]!)) {
      who |= WHO[rest[0] as keyof typeof WHO];
      rest = rest.slice(1);
    }
    if (rest === "") fail();
    do {
      const op = rest[0]!;
      if (op !== "+" && op !== "-" && op !== "=") fail();
      rest = rest.slice(1);
      rest = parseActions(op as "+" | "-" | "=", who, rest, commands);
    } while (rest !== "" && rest[0] !== ",");
    if (rest === "") return commands;
    rest = rest.slice(1);
  }
}

/** One operator's permission letters; returns what follows them. */
function parseActions(op: "+" | "-" | "=", whoIn: number, text: string, commands: Command[]): string {
  let who = whoIn;
  let perm = 0;
  let permX = 0;
  let equalDone = false;
  const all = (mask: number): number => (who === 0 ? mask : who & mask);
  const emit = (): void => {
    if (op === "=") commands.push({ kind: "-", bits: who === 0 ? STANDARD : who });
    commands.push({ kind: op === "=" ? "+" : op, bits: all(perm) });
  };
  // s and t apply only when the clause names more than "o" (or nobody, meaning everyone).
  const special = (): boolean => who === 0 || (who & ~0o007) !== 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === "r") perm |= 0o444;
    else if (c === "w") perm |= 0o222;
    else if (c === "x") perm |= 0o111;
    else if (c === "X") {
      if (op === "-") perm |= 0o111;
      else permX = 0o111;
    } else if (c === "s") {
      if (special()) perm |= SETUID | SETGID;
    } else if (c === "t") {
      // As in BSD setmode, "t" also joins the clause's "who", so "+t" touches the sticky bit only.
      if (special()) {
        who |= STICKY;
        perm |= STICKY;
      }
    } else if (c === "u" || c === "g" || c === "o") {
      if (perm !== 0) {
        emit();
        perm = 0;
      }
      if (op === "=") equalDone = true;
      if (permX !== 0) {
        commands.push({ kind: "X", bits: all(permX) });
        permX = 0;
      }
      const into = who === 0 ? { u: true, g: true, o: true } : { u: (who & 0o400) !== 0, g: (who & 0o040) !== 0, o: (who & 0o004) !== 0 };
      commands.push({ kind: "copy", from: c, op, into, bits: 0o7777 });
    } else break;
  }
  if (perm !== 0 || (op === "=" && !equalDone)) emit();
  if (permX !== 0) commands.push({ kind: "X", bits: all(permX) });
  return text.slice(i);
}

import { execFileSync } from "node:child_process";
import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileModeChange } from "./symbolic-mode.js";
import { withTempDir } from "./test-support.js";

describe("FileModeChange (BuildKit's dchapes-mode, BSD setmode with umask 0)", () => {
  it.each<[string, number, boolean, number]>([
    ["+x", 0o644, false, 0o755],
    ["u=rwX,go=rX", 0o600, false, 0o644],
    ["u=rwX,go=rX", 0o700, false, 0o755],
    ["u=rwX,go=rX", 0o700, true, 0o755],
    ["a-w", 0o775, false, 0o555],
    ["go=", 0o777, false, 0o700],
    ["g=u", 0o640, false, 0o660],
    ["o+t", 0o755, true, 0o755], // "t" for "o" alone is ignored, as in BSD
    ["+t", 0o755, true, 0o1755],
    ["u+s,g+s", 0o755, false, 0o6755],
    ["0640", 0o4777, false, 0o640],
    ["755", 0o644, true, 0o755],
  ])("%s on %o (dir: %s) gives %o", (spec, mode, isDir, expected) => {
    expect(FileModeChange.parse(spec).apply(mode, isDir).toString(8)).toBe(expected.toString(8));
  });

  it("refuses what is neither octal nor symbolic, naming the value", () => {
    for (const bad of ["u+q", "rwx", "888", "07777777", "u", ""]) {
      expect(() => FileModeChange.parse(bad)).toThrow(expect.objectContaining({ code: "ERR_INVALID_CHMOD" }));
    }
  });

  it("agrees with chmod(1) on files and directories for modes without setuid/setgid", async () => {
    await withTempDir(async (dir) => {
      const specs = ["+x", "u=rwX,go=rX", "a-w", "go=", "g=u", "o=g", "u-x,g+w", "a=rX", "ug+rw,o-rwx", "+X"];
      const modes = [0o600, 0o644, 0o700, 0o751, 0o000];
      for (const spec of specs) {
        for (const mode of modes) {
          for (const isDir of [false, true]) {
            const path = join(dir, `${isDir ? "d" : "f"}-${mode.toString(8)}`);
            if (isDir) await mkdir(path, { recursive: true });
            else await writeFile(path, "");
            await chmod(path, mode);
            execFileSync("chmod", [spec, path], { env: { ...process.env } });
            const real = (await stat(path)).mode & 0o7777;
            expect(`${spec} ${mode.toString(8)} ${isDir} -> ${FileModeChange.parse(spec).apply(mode, isDir).toString(8)}`).toBe(`${spec} ${mode.toString(8)} ${isDir} -> ${real.toString(8)}`);
          }
        }
      }
    });
  });
});

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
// A CommonJS package: Node's ESM loader exposes its exports on the default import only.
import xterm from "@xterm/headless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const { Terminal } = xterm;
const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cols = 100;
const rows = 40;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-pty-"));
  await mkdir(join(dir, "ctx", "app"), { recursive: true });
  await writeFile(join(dir, "ctx", "app", "a.txt"), "hello\n");
  // Big enough that its compression is seen moving (several progress updates).
  await writeFile(join(dir, "ctx", "app", "big.bin"), randomBytes(4 << 20));
  await writeFile(join(dir, "ctx", "Dockerfile"), "FROM scratch\nWORKDIR /app\nCOPY app/ /app/\nLABEL x=y\nCOPY app/a.txt /b.txt\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * Runs `exp build` in a real pseudo-terminal (util-linux `script`) of `cols` x `rows`, with
 * `--progress=auto` outside CI so exp itself must decide it is on a terminal, and returns the
 * screen a user is left with: the pty's bytes played through a terminal emulator, so every cursor
 * movement and erase of the redraws counts, as it does for a person watching.
 */
async function screenOf(args: readonly string[]): Promise<string[]> {
  const command = [process.execPath, "--conditions=@exp/source", "--import", "tsx", join(packageDir, "src", "bin.ts"), ...args].map(shellQuote).join(" ");
  const env: Record<string, string | undefined> = { ...process.env, TERM: "xterm-256color", NO_COLOR: "1" };
  delete env.CI;
  const { stdout } = await run("script", ["-qec", `stty cols ${cols} rows ${rows}; exec ${command}`, "/dev/null"], { cwd: packageDir, env, maxBuffer: 64 << 20 });
  const terminal = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true, convertEol: false });
  await new Promise<void>((resolve) => terminal.write(stdout, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
  terminal.dispose();
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Times and digests vary from run to run; the layout must not. */
function normalize(line: string): string {
  return line.replace(/sha256:[0-9a-f]{1,64}/g, "sha256:…").replace(/\d+\.\ds\b/g, "N.Ns").replace(/\b\d+(\.\d\d)?(B|kB|MB)\b/g, "N");
}

describe("exp build in a terminal", () => {
  it("leaves buildx's tty view on the screen: one header, every step and sub-step ended, times aligned", async () => {
    const screen = await screenOf(["build", "--root", join(dir, "store"), "-o", `type=oci,dest=${join(dir, "out.tar")}`, join(dir, "ctx")]);
    const headers = screen.filter((l) => l.startsWith("[+] Building"));
    // Every frame was drawn over the one before it: a single header survives.
    expect(headers).toHaveLength(1);
    const start = screen.indexOf(headers[0]!);
    const view = screen.slice(start, screen.findIndex((l, i) => i > start && !l.startsWith(" => ")));
    expect(normalize(view[0]!)).toBe("[+] Building N.Ns (7/7) FINISHED");
    expect(view.slice(1).map((l) => normalize(l).replace(/ {2,}/g, " | "))).toEqual([
      " => [internal] load build definition from Dockerfile | N.Ns",
      " => => transferring dockerfile: N | N.Ns",
      " => [internal] load .dockerignore | N.Ns",
      " => => transferring context: N | N.Ns",
      // Each layer (WORKDIR's and the two COPYs') is gzipped while its step writes it, as the oci
      // exporter's layerCompression asked, so the bar is the step's and the export finds them made.
      " => [1/3] WORKDIR /app | N.Ns",
      " => => compressing gzip N / N | N.Ns",
      " => [internal] load build context | N.Ns",
      " => => transferring context: N | N.Ns",
      " => [2/3] COPY app/ /app/ | N.Ns",
      " => => compressing gzip N / N | N.Ns",
      " => [3/3] COPY app/a.txt /b.txt | N.Ns",
      " => => compressing gzip N / N | N.Ns",
      " => exporting to oci image format | N.Ns",
      " => => exporting layers | N.Ns",
      " => => exporting config sha256:… | N.Ns",
      " => => exporting manifest sha256:… | N.Ns",
      " => => sending tarball | N.Ns",
    ]);
    // Each bar ended at its total, and every time sits in the same column, one short of the edge.
    for (const line of view.slice(1)) {
      const sizes = /(\S+) \/ (\S+)/.exec(line);
      if (sizes) expect(sizes[1]).toBe(sizes[2]);
      expect(line.length).toBe(cols - 1);
      expect(line).toMatch(/ \d+\.\ds$/);
    }
    // The summary follows the view, once.
    expect(screen.slice(start + view.length).join("\n")).toContain("out.tar");
  }, 60_000);
});

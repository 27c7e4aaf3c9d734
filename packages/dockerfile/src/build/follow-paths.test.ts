import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { FsEntry, FsSource } from "@exp/solver";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "../plan/plan-build.js";
import { contextAsSent } from "./follow-paths.js";

const paths = ["app", "app/main.js", "docs", "docs/a.md", "lib", "lib/x.js", "lib/y.ts", "README.md"];
const context: FsSource = {
  list: async () => paths.map((path) => ({ path, type: path.includes(".") ? "file" : "dir", mode: 0o644, uid: 0, gid: 0, size: 1, mtimeMs: 0 }) as unknown as FsEntry),
  open: async (path) => Readable.from([Buffer.from(path)]),
};
const listed = async (dockerfile: string) => (await contextAsSent(context, planBuild(parseDockerfile(dockerfile))).list()).map((e) => e.path);

describe("contextAsSent", () => {
  it("keeps what the COPYs of the stages built read, each with what lies below it", async () => {
    expect(await listed("FROM scratch\nCOPY app /app\nCOPY README.md /\n")).toEqual(["app", "app/main.js", "README.md"]);
  });

  it("follows wildcards, and the stages the target needs only", async () => {
    expect(await listed("FROM scratch AS unused\nCOPY docs /docs\nFROM scratch AS dep\nCOPY lib/*.js /l/\nFROM scratch\nCOPY --from=dep /l /l\n")).toEqual(["lib/x.js"]);
  });

  it("is the whole context when a COPY reads its root", async () => {
    expect(await listed("FROM scratch\nCOPY ./ /src/\n")).toEqual(paths);
    expect(await listed("FROM scratch\nCOPY . /src/\n")).toEqual(paths);
  });

  it("is the whole context when nothing reads it, as BuildKit then sets no FollowPaths", async () => {
    expect(await listed("FROM scratch\nENV A=1\n")).toEqual(paths);
  });
});

import { execFileSync } from "node:child_process";
import { link, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { skipUnlessTools } from "@exp/testing";
import { writeTestLayout } from "./test-support.js";
import { ProgressReporter } from "../progress/reporter.js";
import { copy, local, scratch } from "./nodes.js";
import { Solver } from "./solver.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-umoci-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(skipUnlessTools("umoci"))("layers read back by umoci", () => {
  it("unpacks contents, modes, symlinks, hard links and ownership as built", async () => {
    const context = join(dir, "context");
    await mkdir(join(context, "bin"), { recursive: true });
    await writeFile(join(context, "bin", "tool"), "#!/bin/sh\necho tool\n", { mode: 0o755 });
    await writeFile(join(context, "readme.txt"), "hello");
    await link(join(context, "readme.txt"), join(context, "readme-link.txt"));
    await symlink("tool", join(context, "bin", "alias"));
    const lease = await store.leases.create();
    const solver = new Solver({ store, lease: lease.id, progress: ProgressReporter.root(undefined), sourceDateEpoch: 1_700_000_000, rewriteTimestamp: true });
    const ctx = local(context);
    const files = copy(scratch(), { from: ctx, sources: ["."], dest: "/srv/", chown: { uid: 1000, gid: 2000 }, description: "COPY --chown=1000:2000 . /srv/" });
    const secret = copy(files, { from: ctx, sources: ["readme.txt"], dest: "/etc/motd", chmod: 0o600, description: "COPY --chmod=600 readme.txt /etc/motd" });
    const solved = await solver.solve(secret);

    const layout = join(dir, "layout");
    await writeTestLayout(store, solved.ref, layout, "v1");
    const bundle = join(dir, "bundle");
    const rootless = process.getuid?.() !== 0;
    execFileSync("umoci", ["unpack", ...(rootless ? ["--rootless"] : []), "--image", `${layout}:v1`, bundle], { stdio: "pipe" });
    const rootfs = join(bundle, "rootfs");

    expect(await readFile(join(rootfs, "srv", "bin", "tool"), "utf8")).toBe("#!/bin/sh\necho tool\n");
    expect((await stat(join(rootfs, "srv", "bin", "tool"))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(rootfs, "srv", "bin", "alias"))).toBe("tool");
    const [a, b] = await Promise.all([lstat(join(rootfs, "srv", "readme.txt")), lstat(join(rootfs, "srv", "readme-link.txt"))]);
    expect(a.ino).toBe(b.ino);
    expect(await readFile(join(rootfs, "etc", "motd"), "utf8")).toBe("hello");
    expect((await stat(join(rootfs, "etc", "motd"))).mode & 0o777).toBe(0o600);
    if (!rootless) {
      expect([a.uid, a.gid]).toEqual([1000, 2000]);
      const motd = await stat(join(rootfs, "etc", "motd"));
      expect([motd.uid, motd.gid]).toEqual([0, 0]);
    }
    expect(Math.floor(a.mtimeMs / 1000)).toBe(1_700_000_000);
    await store.leases.release(lease.id);
  });
});

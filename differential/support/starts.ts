import { stat } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "@exp/testing";

export interface StartResult {
  /** `chroot <rootfs> /bin/sh -c 'echo ok'`: the output, or the error. */
  shell: string;
  /** As nobody (65534:65534), `echo x > /tmp/probe`: "ok" with the file's owner, or the error. */
  nobodyWritesTmp: string;
}

/**
 * Issue 18 point 4, "the image starts": a shell runs in the unpacked image, and a non-root user
 * can write to /tmp. Both would fail if a COPY replaced /bin (usrmerge symlink) with a directory
 * or made /tmp 0755. Returns descriptions rather than throwing, so a case can assert on both.
 * Run it after the snapshot: it writes /tmp/probe.
 */
export async function startImage(rootfs: string): Promise<StartResult> {
  const shell = await runTool("chroot", [rootfs, "/bin/sh", "-c", "echo ok"]).then(
    (out) => out.trim(),
    (e: Error) => e.message.split("\n")[0]!,
  );
  const nobodyWritesTmp = await runTool("chroot", ["--userspec=65534:65534", rootfs, "/bin/sh", "-c", "echo x > /tmp/probe"]).then(
    async () => {
      const st = await stat(join(rootfs, "tmp/probe"));
      return `ok ${st.uid}:${st.gid}`;
    },
    (e: Error) => e.message.split("\n")[0]!,
  );
  return { shell, nobodyWritesTmp };
}

/** What startImage gives for an image that starts. */
export const STARTS: StartResult = { shell: "ok", nobodyWritesTmp: "ok 65534:65534" };

import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { skipUnlessTools } from "@exp/testing";
import { runDemo } from "./demo.js";

describe.skipIf(skipUnlessTools("docker-registry", "skopeo"))("examples/node-app", () => {
  it("builds FROM the registry base, pushes, and the image has the base's layers, user and the app", async () => {
    const root = await mkdtemp(join(tmpdir(), "exp-node-app-"));
    const stderr = new PassThrough();
    let log = "";
    stderr.on("data", (c: Buffer) => (log += c.toString()));
    const { registry, base, app } = await runDemo(root, { stdout: new PassThrough(), stderr, env: { ...process.env, CI: "true" }, cwd: root, isTTY: false });
    try {
      const inspect = (ref: string) => JSON.parse(execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${ref}`], { encoding: "utf8" }));
      const baseInfo = inspect(base);
      const appInfo = inspect(app);
      expect(appInfo.Layers.slice(0, baseInfo.Layers.length)).toEqual(baseInfo.Layers);
      // WORKDIR /app and the two COPYs each add a layer, as with BuildKit.
      expect(appInfo.Layers).toHaveLength(baseInfo.Layers.length + 3);
      const config = JSON.parse(execFileSync("skopeo", ["inspect", "--config", "--tls-verify=false", `docker://${app}`], { encoding: "utf8" }));
      expect(config.config.User).toBe("node");
      expect(config.config.Cmd).toEqual(["node", "server.js"]);
      expect(config.config.Env).toContain("NODE_VERSION=20.20.2");
      expect(log).toMatch(/exported:/);
    } finally {
      await registry.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "@exp/cli";
import { startRegistry, toolsAvailable, type TestRegistry } from "@exp/testing";

const here = fileURLToPath(new URL("..", import.meta.url));

export interface DemoResult {
  registry: TestRegistry;
  base: string;
  app: string;
}

/**
 * The whole example: start a local registry, build the stand-in Node base and push it, then build
 * the app FROM it and push that too. exp pulls nothing but the base's manifest and config, and
 * the app's push mounts the base layers from the base's repository instead of uploading them.
 */
export async function runDemo(root: string, io?: Parameters<typeof runCli>[1]): Promise<DemoResult> {
  const registry = await startRegistry();
  const base = `${registry.host}/library/node:20`;
  const app = `${registry.host}/examples/node-app:1.0.0`;
  const exp = async (args: string[]) => {
    const code = await runCli([...args, "--root", root, "--progress", "plain"], io);
    if (code !== 0) throw new Error(`exp ${args.join(" ")} exited with ${code}`);
  };
  try {
    await exp(["build", join(here, "base"), "-t", base, "--push"]);
    await exp(["build", here, "--build-arg", `BASE=${base}`, "-t", app, "--push"]);
    return { registry, base, app };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.env.EXP_ROOT ?? join(here, ".exp");
  const { registry, app } = await runDemo(root);
  const inspect = ["inspect", "--tls-verify=false", `docker://${app}`];
  console.log(`\npushed ${app}`);
  if (toolsAvailable("skopeo")) {
    const shown = spawnSync("skopeo", inspect, { encoding: "utf8" });
    console.log(`$ skopeo ${inspect.join(" ")}\n${shown.stdout || shown.stderr}`);
  }
  if (process.stdout.isTTY) {
    // Interactive: leave the registry up so the image can be pulled or inspected by hand.
    console.log(`the registry keeps running at ${registry.host}; try: skopeo ${inspect.join(" ")}\npress Ctrl-C to stop it`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
  await registry.stop();
  console.log("registry stopped");
}

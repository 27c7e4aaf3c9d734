import { describe, expect, it } from "vitest";
import { installCommand } from "./install-hint.js";

const env = {};
const cli = (path: string) => `${path}/dist/index.js`;

describe("installCommand", () => {
  it("answers in the package manager and scope that installed exp", () => {
    const cases: Array<[string, string, Record<string, string>, string]> = [
      // npm, in the project
      [cli("/home/u/app/node_modules/@exp/cli"), "/home/u/app/src", env, "npm i @exp/cache-s3"],
      // npm -g: the working directory is not the project that holds exp
      [cli("/usr/lib/node_modules/@exp/cli"), "/home/u/app", env, "npm i -g @exp/cache-s3"],
      // pnpm's isolated layout, in the project and globally
      [cli("/home/u/app/node_modules/.pnpm/@exp+cli@0.3.0/node_modules/@exp/cli"), "/home/u/app", env, "pnpm add @exp/cache-s3"],
      [cli("/home/u/.local/share/pnpm/global/5/node_modules/.pnpm/@exp+cli@0.3.0/node_modules/@exp/cli"), "/home/u/app", env, "pnpm add -g @exp/cache-s3"],
      // yarn, told by its user agent
      [cli("/home/u/app/node_modules/@exp/cli"), "/home/u/app", { npm_config_user_agent: "yarn/1.22.22 npm/? node/v20.19.0 linux x64" }, "yarn add @exp/cache-s3"],
      // npx installs nothing for good: run it with both packages
      [cli("/home/u/.npm/_npx/6a1f/node_modules/@exp/cli"), "/home/u/app", env, "npx -p @exp/cli -p @exp/cache-s3 exp …"],
      // exp run from its own sources: a pnpm workspace
      ["/work/exp/packages/cli/src/plugins/cli-location.ts", "/work/exp", env, "pnpm add @exp/cache-s3"],
    ];
    for (const [cliPath, cwd, envVars, expected] of cases) expect(installCommand("@exp/cache-s3", { cliPath, cwd, env: envVars }), cliPath).toBe(expected);
  });
});

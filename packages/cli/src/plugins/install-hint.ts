import { sep } from "node:path";

export interface InstallContext {
  /** A file of the running exp (its own module path): where it was installed says how. */
  cliPath: string;
  /** The user's working directory. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The exact command that installs `packageName` next to the running exp, in the package manager
 * that installed exp, so the advice works when pasted:
 *
 * - run through npx (`…/_npx/…`): `npx -p @exp/cli -p <pkg> exp …`, as npx installs nothing for good;
 * - pnpm (`…/.pnpm/…`, or pnpm's global directory), yarn (`…/.yarn/…` or yarn's user agent), else npm;
 * - global (`-g`) when the working directory is outside the project that holds exp's node_modules.
 *
 * exp run from its own sources (this monorepo) is a pnpm workspace.
 */
export function installCommand(packageName: string, context: InstallContext): string {
  const path = context.cliPath.split(sep).join("/");
  if (path.includes("/_npx/")) return `npx -p @exp/cli -p ${packageName} exp …`;
  const manager = managerOf(path, context.env);
  if (!path.includes("/node_modules/")) return `${manager === "npm" ? "npm i" : `${manager} add`} ${packageName}`;
  const projectRoot = path.slice(0, path.indexOf("/node_modules/"));
  const cwd = context.cwd.split(sep).join("/");
  const global = path.includes("/pnpm/global/") || !(cwd === projectRoot || cwd.startsWith(`${projectRoot}/`));
  switch (manager) {
    case "pnpm":
      return `pnpm add ${global ? "-g " : ""}${packageName}`;
    case "yarn":
      return global ? `yarn global add ${packageName}` : `yarn add ${packageName}`;
    case "npm":
      return `npm i ${global ? "-g " : ""}${packageName}`;
  }
}

function managerOf(path: string, env: Readonly<Record<string, string | undefined>>): "npm" | "pnpm" | "yarn" {
  if (path.includes("/.pnpm/") || path.includes("/pnpm/global/") || !path.includes("/node_modules/")) return "pnpm";
  if (path.includes("/.yarn/") || env.npm_config_user_agent?.startsWith("yarn/")) return "yarn";
  if (env.npm_config_user_agent?.startsWith("pnpm/")) return "pnpm";
  return "npm";
}

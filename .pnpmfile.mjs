// Install hooks for the whole workspace (pnpm reads this file beside the lockfile).

/**
 * valibot (used by @exp/oci-spec and @exp/cache-config) declares TypeScript as an optional peer,
 * for its types only. In this workspace pnpm resolves that peer to the root's TypeScript, so every
 * `pnpm deploy --prod` of a package that depends on @exp/oci-spec would carry 23 MB of compiler
 * that nothing runs. Installed from the registry, npm and pnpm leave an absent optional peer
 * absent; dropping the peer here makes the workspace's deploys (and the footprint bench) match.
 */
function readPackage(pkg) {
  if (pkg.name === "valibot" && pkg.peerDependencies?.typescript !== undefined) {
    delete pkg.peerDependencies.typescript;
    if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta.typescript;
  }
  return pkg;
}

export const hooks = { readPackage };

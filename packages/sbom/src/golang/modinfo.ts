/** A module as runtime/debug.Module has it: path, version, go.sum hash, and what replaced it. */
export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

/** The module information of a Go binary, as runtime/debug.ParseBuildInfo reads it. */
export interface GoBuildInfo {
  /** The main package's import path ("github.com/containers/skopeo/cmd/skopeo"). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Map<string, string>;
}

/**
 * Parses the modinfo text: tab-separated lines "path <p>", "mod <path> <version> <sum>",
 * "dep <path> <version> <sum>", "=> <path> <version> <sum>" (replaces the line above) and
 * "build <key>=<value>". Returns a reason for a line it does not understand.
 */
export function parseModinfo(text: string): GoBuildInfo | string {
  const info: GoBuildInfo = { deps: [], settings: new Map() };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [word, ...rest] = line.split("\t");
    switch (word) {
      case "go":
        break;
      case "path":
        info.path = rest[0];
        break;
      case "mod":
      case "dep": {
        const module = moduleOf(rest);
        if (!module) return `a bad ${word} line: ${JSON.stringify(line)}`;
        if (word === "mod") info.main = module;
        else info.deps.push(module);
        last = module;
        break;
      }
      case "=>": {
        const module = moduleOf(rest);
        if (!module || !last) return `a replacement with nothing to replace: ${JSON.stringify(line)}`;
        last.replace = module;
        last = undefined;
        break;
      }
      case "build": {
        const setting = rest.join("\t");
        const equals = setting.indexOf("=");
        if (equals > 0) info.settings.set(setting.slice(0, equals), unquote(setting.slice(equals + 1)));
        break;
      }
      default:
        return `an unknown line: ${JSON.stringify(line.slice(0, 80))}`;
    }
  }
  return info;
}

function moduleOf(fields: string[]): GoModule | undefined {
  const [path, version, sum] = fields;
  if (!path) return undefined;
  return { path, version: version ?? "", ...(sum ? { sum } : {}) };
}

/** Build settings with spaces or quotes are written as Go quoted strings. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value;
  }
}

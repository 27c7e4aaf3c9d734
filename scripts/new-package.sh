#!/usr/bin/env bash
# Scaffolds packages/<name> with the layout every package shares:
#   bash scripts/new-package.sh <name> "<description>"
set -euo pipefail
name=$1; desc=$2; dir=packages/$name
mkdir -p "$dir/src"
cat > "$dir/package.json" <<JSON
{
  "name": "@exp/$name",
  "version": "0.1.0",
  "description": "$desc",
  "type": "module",
  "license": "Apache-2.0",
  "repository": { "type": "git", "url": "git+https://example.invalid/exp.git", "directory": "$dir" },
  "engines": { "node": ">=20" },
  "sideEffects": false,
  "files": ["dist", "CHANGELOG.md", "LICENSE"],
  "main": "./dist/index.cjs",
  "module": "./dist/index.js",
  "types": "./dist/index.d.cts",
  "exports": {
    ".": {
      "@exp/source": "./src/index.ts",
      "import": { "types": "./dist/index.d.ts", "default": "./dist/index.js" },
      "require": { "types": "./dist/index.d.cts", "default": "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc -p tsconfig.json",
    "lint": "node ../../scripts/lint-package.mjs",
    "test": "vitest run"
  },
  "dependencies": {},
  "devDependencies": {}
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "*.ts"]
}
JSON
cat > "$dir/tsup.config.ts" <<TS
import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.base.js";

export default defineConfig(baseConfig);
TS
cat > "$dir/vitest.config.ts" <<TS
import { defineProject } from "vitest/config";
import { packageProject } from "../../vitest.shared.js";

export default defineProject(packageProject("$name"));
TS
[ -f "$dir/README.md" ] || printf '# @exp/%s\n\n%s\n' "$name" "$desc" > "$dir/README.md"
# Every published package carries the license its package.json names (the release test checks).
[ -f "$dir/LICENSE" ] || cp LICENSE "$dir/LICENSE"
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"

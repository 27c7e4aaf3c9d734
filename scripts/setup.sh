#!/usr/bin/env bash
# Installs everything exp and its tests need on a fresh Debian machine with Node 20, and nothing
# twice: Debian packages (the validators and servers the integration tests use), pnpm at the
# version package.json pins, then the workspace's dependencies from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

# swift-* and memcached: the private S3 server of @exp/testing's startS3 (Swift 2.30 with s3api).
# mmdebstrap, buildah, attr, pigz: the real Debian base and the buildah peer of the differential
# suite (@exp/testing's debianBaseImage, buildahBuild, snapshotTree).
apt_packages=(zstd oci-image-tool skopeo umoci docker-registry apache2-utils openssl curl
  swift-proxy swift-account swift-container swift-object memcached
  mmdebstrap buildah attr pigz)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install -g -E "pnpm@$pnpm_version" >/dev/null 2>&1
fi

# Native addons build against the headers Debian's Node ships (pnpm ignores nodedir in ~/.npmrc).
export npm_config_nodedir=/usr
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=silent
else
  pnpm install --reporter=silent
fi
echo "setup: ready (node $(node --version), pnpm $(pnpm --version))"

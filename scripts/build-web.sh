#!/usr/bin/env bash
# Builds the web dashboard into web/dist (served by roadwatch-server --web-root). Installs the
# npm packages pinned in web/package-lock.json (npm ci) when they changed since the last install.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo/web"
stamp=node_modules/.roadwatch-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "build-web: npm ci (web/package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
node build.mjs

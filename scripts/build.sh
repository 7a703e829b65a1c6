#!/usr/bin/env bash
# Configures and builds roadwatch into build/ (or $RW_BUILD_DIR; warnings are errors), then the
# web dashboard into web/dist.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${RW_BUILD_DIR:-$repo/build}
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRW_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
"$repo/scripts/build-web.sh"

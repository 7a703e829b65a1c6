#!/usr/bin/env bash
# Quick start, part 2: installs what is missing, builds, and runs the whole test suite.
# Extra arguments go to ctest (e.g. -L unit, -R fidelity).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh"
cd "${RW_BUILD_DIR:-$repo/build}"
ctest --output-on-failure -j 2 "$@"

#!/usr/bin/env bash
# Builds and runs the detection pipeline benchmark on the 1280x720 sample clip (issue table:
# decode only, model only, end to end at interval 0, 1, 2). Extra arguments go to the program.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/build.sh" >/dev/null
exec "${RW_BUILD_DIR:-$repo/build}/benchmarks/rw_detect_pipeline_bench" \
  --clip "$("$repo/scripts/resolve-asset.sh" media "${CLIP:-highway-1280x720.mp4}")" \
  --model "$("$repo/scripts/resolve-asset.sh" model yolox_nano.onnx)" "$@"

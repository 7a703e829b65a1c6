#!/usr/bin/env bash
# Quick start, part 1: installs what is missing, builds, and analyses the sample clip: speeds
# and line counts with pipelines/speed-file.sh when pipelines/ has a calibration and zones for
# the clip, else detection and tracking with pipelines/detect-file.sh. Writes
# out/<clip>-annotated.mp4 and out/<clip>.jsonl and prints a summary.
# Usage: scripts/demo.sh [CLIP_NAME]   (default highway-640x360.mp4, see ../shared/media)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clip_name=${1:-highway-640x360.mp4}

"$repo/scripts/setup.sh"
"$repo/scripts/build.sh" >/dev/null
clip=$("$repo/scripts/resolve-asset.sh" media "$clip_name")
stem=${clip_name%.*}
mkdir -p "$repo/out"
video="$repo/out/$stem-annotated.mp4" jsonl="$repo/out/$stem.jsonl"

recipe=detect-file
if [ -f "$repo/pipelines/calibration/$stem.json" ] && [ -f "$repo/pipelines/zones/$stem.json" ]; then
  recipe=speed-file
fi
echo "roadwatch: analysing $clip with pipelines/$recipe.sh"
start_ms=$(date +%s%3N)
"$repo/pipelines/$recipe.sh" "$clip" "$video" "$jsonl"
elapsed_ms=$(( $(date +%s%3N) - start_ms ))
/usr/bin/python3 "$repo/scripts/summarize.py" "$jsonl" "$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
echo "annotated video : $video"
echo "analytics       : $jsonl"

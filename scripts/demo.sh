#!/usr/bin/env bash
# Quick start, part 1: installs what is missing, builds, and runs detection on the sample
# clip. Writes out/<clip>-annotated.mp4 and out/<clip>.jsonl and prints a summary.
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

echo "roadwatch: detecting vehicles in $clip"
start_ms=$(date +%s%3N)
"$repo/pipelines/detect-file.sh" "$clip" "$video" "$jsonl"
elapsed_ms=$(( $(date +%s%3N) - start_ms ))
/usr/bin/python3 "$repo/scripts/summarize.py" "$jsonl" "$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
echo "annotated video : $video"
echo "analytics       : $jsonl"

#!/usr/bin/env bash
# Detection and tracking recipe: a video file in, an annotated MP4 and roadwatch/1 JSON lines
# out.
#
#   pipelines/detect-file.sh INPUT.mp4 OUT.mp4 OUT.jsonl
#
# Environment (all optional): MODEL (default: yolox_nano.onnx via scripts/resolve-asset.sh),
# SOURCE_ID (default: the input's base name), INTERVAL (0), CLASSES (vehicles),
# TRACKER (deepsort or none; default deepsort), SCORE_THRESHOLD (0.1 with the tracker, which
# uses low-score detections to keep ids, 0.3 without), GST_PLUGIN_PATH (default: the build/
# folder of this checkout).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ $# -ne 3 ]; then
  echo "usage: $0 INPUT.mp4 OUT.mp4 OUT.jsonl" >&2
  exit 2
fi
input=$1 out_video=$2 out_jsonl=$3
[ -f "$input" ] || { echo "detect-file: input '$input' does not exist" >&2; exit 1; }
model=${MODEL:-$("$repo/scripts/resolve-asset.sh" model yolox_nano.onnx)}
source_id=${SOURCE_ID:-$(basename "${input%.*}")}
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$repo/build/gst-plugins/gst}
case "${TRACKER:-deepsort}" in
  deepsort) tracker="deepsorttrack !" default_score=0.1 ;;
  none) tracker="" default_score=0.3 ;;
  *) echo "detect-file: TRACKER must be deepsort or none" >&2; exit 2 ;;
esac

# Convert before yolodetect: in GStreamer 1.22 a videoconvert after it would drop the
# detection params that trafficoverlay and metaconvert read.
exec gst-launch-1.0 -e -q \
  filesrc location="$input" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! \
  yolodetect model-file="$model" interval="${INTERVAL:-0}" \
    classes="${CLASSES:-car,motorcycle,bus,truck}" score-threshold="${SCORE_THRESHOLD:-$default_score}" ! \
  $tracker tee name=t \
  t. ! queue ! metaconvert source-id="$source_id" ! filesink location="$out_jsonl" \
  t. ! queue ! trafficoverlay ! videoconvert ! \
    x264enc speed-preset=veryfast ! mp4mux ! filesink location="$out_video"

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
source "$(dirname "${BASH_SOURCE[0]}")/recipe-common.sh"
case "${TRACKER:-deepsort}" in
  deepsort) tracker="deepsorttrack !" default_score=0.1 ;;
  none) tracker="" default_score=0.3 ;;
  *) echo "$recipe: TRACKER must be deepsort or none" >&2; exit 2 ;;
esac

# tune=zerolatency: x264enc's lookahead would hold back the first frames, so its sink could
# never preroll while the JSON branch's queue fills up (a deadlock at 1280x720).
# Convert before yolodetect: in GStreamer 1.22 a videoconvert after it would drop the
# detection params that trafficoverlay and metaconvert read.
exec gst-launch-1.0 -e -q \
  filesrc location="$input" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! \
  yolodetect model-file="$model" interval="${INTERVAL:-0}" \
    classes="${CLASSES:-car,motorcycle,bus,truck}" score-threshold="${SCORE_THRESHOLD:-$default_score}" ! \
  $tracker tee name=t \
  t. ! queue ! metaconvert source-id="$source_id" ! filesink location="$out_jsonl" \
  t. ! queue ! trafficoverlay ! videoconvert ! \
    x264enc speed-preset=veryfast tune=zerolatency ! mp4mux ! filesink location="$out_video"

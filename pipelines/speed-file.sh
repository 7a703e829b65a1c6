#!/usr/bin/env bash
# Speed and counting recipe: a video file in; detection, tracking, calibrated speed, zones and
# counting lines; an annotated MP4 and complete roadwatch/1 JSON lines out.
#
#   pipelines/speed-file.sh INPUT.mp4 OUT.mp4 OUT.jsonl
#
# Environment (all optional): CALIBRATION (default: pipelines/calibration/<input name>.json),
# ZONES (default: pipelines/zones/<input name>.json), SPEED_LIMIT (0 = no speeding events),
# UNITS (kmh or mph: speeds and SPEED_LIMIT; default kmh), WINDOW_MS (speed window, 1000),
# MODEL, SOURCE_ID, INTERVAL, CLASSES, SCORE_THRESHOLD (0.1), GST_PLUGIN_PATH — as in
# detect-file.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/recipe-common.sh"
calibration=${CALIBRATION:-$here/calibration/$stem.json}
zones=${ZONES:-$here/zones/$stem.json}
units=${UNITS:-kmh}
[ -f "$calibration" ] || {
  echo "$recipe: no calibration file '$calibration': make one with roadwatch-calibrate" \
       "(pipelines/calibration/README.md) and pass it as CALIBRATION=FILE" >&2
  exit 1
}
[ -f "$zones" ] || {
  echo "$recipe: no zones file '$zones': write one (pipelines/zones/README.md) and pass it" \
       "as ZONES=FILE" >&2
  exit 1
}

# tune=zerolatency: x264enc's lookahead would hold back the first frames, so its sink could
# never preroll while the JSON branch's queue fills up (a deadlock at 1280x720).
# Convert before yolodetect: in GStreamer 1.22 a videoconvert after it would drop the
# metadata params the later elements read.
exec gst-launch-1.0 -e -q \
  filesrc location="$input" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! \
  yolodetect model-file="$model" interval="${INTERVAL:-0}" \
    classes="${CLASSES:-car,motorcycle,bus,truck}" score-threshold="${SCORE_THRESHOLD:-0.1}" ! \
  deepsorttrack ! \
  homographyspeed calibration-file="$calibration" units="$units" window-ms="${WINDOW_MS:-1000}" ! \
  roianalytics zones-file="$zones" speed-limit="${SPEED_LIMIT:-0}" units="$units" ! \
  tee name=t \
  t. ! queue ! metaconvert source-id="$source_id" ! filesink location="$out_jsonl" \
  t. ! queue ! trafficoverlay zones-file="$zones" ! videoconvert ! \
    x264enc speed-preset=veryfast tune=zerolatency ! mp4mux ! filesink location="$out_video"

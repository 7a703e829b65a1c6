#!/usr/bin/env bash
# End-to-end throughput of the whole roadwatch pipeline on the sample clips, beside the limits
# it is bounded by and the seed-style Python reference, all measured in one run:
#
#   decode only     filesrc ! decodebin ! fakesink
#   model only      yolodetect's forward pass alone at the same network input; as a frame
#                   rate limit: (interval + 1) / forward time
#   pipeline        decode -> BGR -> yolodetect -> deepsorttrack -> homographyspeed ->
#                   roianalytics -> tee -> [analytics -> redissink] and
#                   [trafficoverlay -> jpegenc -> redissink] (every frame encoded, as if a
#                   viewer watched; sinks unsynchronised), with the configs in pipelines/
#   reference       benchmarks/seed_reference.py at the same interval, input size, thresholds
#
# Frames/s run from the first frame out to the end (start-up left out, on both sides). A
# private redis-server on a free port takes the output; while redissink is not in the plugin
# the branches end in metaconvert ! fakesink and jpegenc ! fakesink instead (the table says
# which). Prints a markdown table; the ratios are what to compare across machines.
#
#   benchmarks/run-end-to-end.sh [CLIP ...]     (default: highway-640x360.mp4 highway-1280x720.mp4)
#
# Environment: INTERVALS (default "0 1 2"), INPUT_SIZE (auto), REWRITE_GRAPH (true), THREADS
# (0 = OpenCV's default), JPEG_QUALITY (80), SCORE_THRESHOLD (0.1), SKIP_REFERENCE=1,
# RW_BUILD_DIR (default build/; configured with -DRW_BUILD_BENCHMARKS=ON).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${RW_BUILD_DIR:-$repo/build}
timer=$build/benchmarks/rw_pipeline_timer
python=/usr/bin/python3   # Debian's: cv2, numpy, redis
intervals=${INTERVALS:-0 1 2}
input_size=${INPUT_SIZE:-auto}
rewrite=${REWRITE_GRAPH:-true}
threads=${THREADS:-0}
quality=${JPEG_QUALITY:-80}
score=${SCORE_THRESHOLD:-0.1}
[ $# -gt 0 ] || set -- highway-640x360.mp4 highway-1280x720.mp4

if [ ! -x "$timer" ] || [ ! -f "$build/gst-plugins/gst/libgstroadwatch.so" ]; then
  echo "run-end-to-end: build first: cmake -S $repo -B $build -DRW_BUILD_BENCHMARKS=ON &&" \
       "cmake --build $build --target gstroadwatch rw_pipeline_timer" >&2
  exit 1
fi
work=$(mktemp -d)
export GST_PLUGIN_PATH=$build/gst-plugins/gst GST_REGISTRY=$work/registry.bin
model=$("$repo/scripts/resolve-asset.sh" model yolox_nano.onnx)

port=$($python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" ping >/dev/null || { cat "$work/redis.log" >&2; exit 1; }

if gst-inspect-1.0 redissink >/dev/null 2>&1; then sinks=redissink; else sinks=fakesink; fi

pipeline() {  # clip calibration zones interval source-id
  local redis="host=127.0.0.1 port=$port key-prefix=rwbench source-id=$5 sync=false"
  local analytics frames
  if [ "$sinks" = redissink ]; then
    analytics="redissink name=sink $redis maxlen=0 events-maxlen=0"
    frames="redissink name=frames $redis frames-maxlen=0"
  else
    analytics="metaconvert ! fakesink name=sink sync=false"
    frames="fakesink name=frames sync=false"
  fi
  echo "filesrc location=\"$1\" ! decodebin ! videoconvert ! video/x-raw,format=BGR !" \
       "yolodetect model-file=\"$model\" interval=$4 threads=$threads input-size=$input_size" \
       "rewrite-graph=$rewrite classes=car,motorcycle,bus,truck score-threshold=$score !" \
       "deepsorttrack ! homographyspeed calibration-file=\"$2\" !" \
       "roianalytics zones-file=\"$3\" ! tee name=t" \
       "t. ! queue ! $analytics" \
       "t. ! queue ! trafficoverlay zones-file=\"$3\" ! videoconvert ! jpegenc quality=$quality !" \
       "$frames"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
field() { jq -r ".$2" <<<"$1"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); $(gst-launch-1.0 --version | sed -n 2p)"
echo "model: $model; input-size=$input_size rewrite-graph=$rewrite threads=$threads;" \
     "outputs: $sinks (Redis on port $port); JPEG quality $quality"
echo
echo "| clip | interval | network input | decode only fps | model-only limit fps |" \
     "pipeline fps | x realtime | x model limit | reference fps | x reference |" \
     "CPU ms/frame (ours / ref) | published (records / JPEG / ref) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for name in "$@"; do
  clip=$("$repo/scripts/resolve-asset.sh" media "$name")
  stem=$(basename "${name%.*}")
  calibration=$repo/pipelines/calibration/$stem.json
  zones=$repo/pipelines/zones/$stem.json
  read -r width height clip_fps < <($python -c '
import sys, cv2
c = cv2.VideoCapture(sys.argv[1])
print(int(c.get(cv2.CAP_PROP_FRAME_WIDTH)), int(c.get(cv2.CAP_PROP_FRAME_HEIGHT)), c.get(cv2.CAP_PROP_FPS))' "$clip")
  decode=$("$timer" --launch "filesrc location=\"$clip\" ! decodebin ! fakesink name=sink sync=false")
  for interval in $intervals; do
    forward=$("$timer" --forward "$model" --frame "${width}x${height}" --input-size "$input_size" \
                --rewrite-graph "$([ "$rewrite" = false ] && echo 0 || echo 1)" \
                --threads "$threads" --runs 15)
    net=$(field "$forward" input)
    limit=$(awk -v ms="$(field "$forward" ms_per_forward)" -v i="$interval" \
              'BEGIN { printf "%.1f", 1000 * (i + 1) / ms }')
    sid=$stem-i$interval
    ours=$("$timer" --launch "$(pipeline "$clip" "$calibration" "$zones" "$interval" "$sid")")
    fps=$(field "$ours" fps)
    cpu_ours=$(awk -v c="$(field "$ours" cpu_s)" -v n="$(field "$ours" timed_frames)" \
                 'BEGIN { printf "%.0f", 1000 * c / n }')
    if [ "$sinks" = redissink ]; then
      published="$(redis-cli -p "$port" xlen "rwbench:$sid:analytics") / $(redis-cli -p "$port" xlen "rwbench:$sid:frames")"
    else
      published="(fakesink) / (fakesink)"
    fi
    ref_fps=- ref_cpu=- ref_published=-
    if [ "${SKIP_REFERENCE:-0}" != 1 ]; then
      ref=$($python "$repo/benchmarks/seed_reference.py" --clip "$clip" --model "$model" \
              --calibration "$calibration" --zones "$zones" --redis-port "$port" \
              --interval "$interval" --input-size "$net" --score-threshold "$score" \
              --jpeg-quality "$quality" --stream "rwbench:reference:$sid")
      ref_fps=$(field "$ref" fps)
      ref_cpu=$(awk -v c="$(field "$ref" cpu_s)" -v n="$(field "$ref" timed_frames)" \
                  'BEGIN { printf "%.0f", 1000 * c / n }')
      ref_published=$(field "$ref" published)
    fi
    echo "| $stem | $interval | $net | $(field "$decode" fps) | $limit | $fps |" \
         "$(ratio "$fps" "$clip_fps") | $(ratio "$fps" "$limit") | $ref_fps |" \
         "$(ratio "$fps" "$ref_fps") | $cpu_ours / $ref_cpu | $published / $ref_published |"
  done
done

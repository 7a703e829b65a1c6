# Sourced by the file recipes: argument check, model and plugin lookup. Sets input,
# out_video, out_jsonl, stem, model and source_id; exports GST_PLUGIN_PATH.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
recipe=$(basename "$0" .sh)

if [ $# -ne 3 ]; then
  echo "usage: $0 INPUT.mp4 OUT.mp4 OUT.jsonl" >&2
  exit 2
fi
input=$1 out_video=$2 out_jsonl=$3
[ -f "$input" ] || { echo "$recipe: input '$input' does not exist" >&2; exit 1; }
stem=$(basename "${input%.*}")
model=${MODEL:-$("$repo/scripts/resolve-asset.sh" model yolox_nano.onnx)}
source_id=${SOURCE_ID:-$stem}
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$repo/build/gst-plugins/gst}

#!/usr/bin/env bash
# Prints the path of a model or clip, found in this order (SPEC §10):
#   1. $ROADWATCH_MODEL_DIR or $ROADWATCH_MEDIA_DIR
#   2. ../shared/models or ../shared/media beside the repository
#   3. a download from the official URL into ~/.cache/roadwatch, checked with SHA-256
# Files found locally are checked against a SHA256SUMS file in their folder when it lists them.
# Usage: resolve-asset.sh model|media NAME
set -euo pipefail

kind=${1:-}; name=${2:-}
case "$kind" in
  model) env_dir=${ROADWATCH_MODEL_DIR:-}; shared=models ;;
  media) env_dir=${ROADWATCH_MEDIA_DIR:-}; shared=media ;;
  *) echo "usage: $0 model|media NAME" >&2; exit 2 ;;
esac
[ -n "$name" ] || { echo "usage: $0 model|media NAME" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Official sources: name -> "url sha256".
declare -A DOWNLOADS=(
  [yolox_nano.onnx]="https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d"
)

verify_listed() {  # file: fails only when SHA256SUMS lists it with another sum
  local file=$1 sums expected
  sums="$(dirname "$file")/SHA256SUMS"
  [ -f "$sums" ] || return 0
  expected=$(awk -v n="$(basename "$file")" '$2 == n || $2 == "*" n {print $1}' "$sums")
  [ -n "$expected" ] || return 0
  if [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$expected" ]; then
    echo "resolve-asset: $file does not match its SHA256SUMS entry; the file is damaged" >&2
    return 1
  fi
}

for dir in "$env_dir" "$repo/../shared/$shared"; do
  if [ -n "$dir" ] && [ -f "$dir/$name" ]; then
    verify_listed "$dir/$name"
    echo "$(cd "$dir" && pwd)/$name"
    exit 0
  fi
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/roadwatch/$shared"
if [ -f "$cache/$name" ]; then echo "$cache/$name"; exit 0; fi
entry=${DOWNLOADS[$name]:-}
if [ -z "$entry" ]; then
  echo "resolve-asset: $kind '$name' not found in \$ROADWATCH_${kind^^}_DIR or $repo/../shared/$shared," \
       "and it has no download URL; put it in one of those folders" >&2
  exit 1
fi
read -r url sha <<<"$entry"
mkdir -p "$cache"
echo "resolve-asset: downloading $url" >&2
curl -fsSL --retry 3 -o "$cache/$name.part" "$url" || { echo "resolve-asset: download of $url failed" >&2; exit 1; }
if [ "$(sha256sum "$cache/$name.part" | cut -d' ' -f1)" != "$sha" ]; then
  rm -f "$cache/$name.part"
  echo "resolve-asset: $url has the wrong SHA-256; refusing it" >&2
  exit 1
fi
mv "$cache/$name.part" "$cache/$name"
echo "$cache/$name"

#!/usr/bin/env bash
# Installs every Debian package that building, testing and running roadwatch needs.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libopencv-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
  libhiredis-dev libgstrtspserver-1.0-dev
  libsoup-3.0-dev libpq-dev
  # run: gst-launch, demuxers, decoders, the x264 encoder of the demo
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # tests: the independent reference decoder, synthetic models, schema validation
  python3 python3-numpy python3-opencv python3-onnx python3-jsonschema
  # tests and benchmarks: a private Redis per run, its Python client (the seed-style reference)
  redis-server python3-redis
  # roadwatch-server tests: a private PostgreSQL cluster per run, WebSocket and SQL clients
  postgresql python3-websockets python3-psycopg2
  # dashboard end-to-end tests: a real headless browser (driven by playwright-core from npm)
  chromium
  # assets fallback download
  curl ca-certificates
)

missing=()
# The dashboard builds with Node.js and npm: Debian's unless the machine already has them.
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

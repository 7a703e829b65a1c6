#!/usr/bin/env bash
# Quick start, part 1: installs what is missing, builds, then runs the whole system on this
# machine: a private redis-server and PostgreSQL cluster (data under run/, free ports),
# roadwatch-server, and the sample clip registered with its zones and calibration and started.
# Prints the dashboard URL and an operator token, then waits. Ctrl-C (or SIGTERM) stops the
# server, its pipelines, Redis and PostgreSQL: nothing is left running. Safe to run again: it
# reuses run/ (database, token, the registered clip) and clears what a killed run left behind.
#
# Environment: RW_SERVE_PORT (default 8686, or a free port when that one is taken; 0: any),
# RW_SERVE_BIND (default 127.0.0.1; any other address makes the server require the token),
# RW_RUN_DIR (default ./run), RW_BUILD_DIR (default ./build), RW_SERVE_SKIP_BUILD=1 (skip
# setup and build: for the test that runs this script).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${RW_BUILD_DIR:-$repo/build}
run=${RW_RUN_DIR:-$repo/run}
bind=${RW_SERVE_BIND:-127.0.0.1}
pg_bin=/usr/lib/postgresql/15/bin
sample=highway-640x360
sample_name="$sample (sample)"

say() { echo "serve: $*"; }
die() { echo "serve: $*" >&2; exit 1; }

if [ "${RW_SERVE_SKIP_BUILD:-0}" != 1 ]; then
  "$repo/scripts/setup.sh"
  "$repo/scripts/build.sh" >/dev/null
fi
server_bin=$build/control-server/server/app/roadwatch-server
[ -x "$server_bin" ] || die "no $server_bin: build failed?"

mkdir -p "$run"
run=$(cd "$run" && pwd)
pids=$run/pids
mkdir -p "$pids" "$run/redis" "$run/server" "$run/logs"

# --- one instance at a time; clear what a killed instance left behind -----------------------
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
cmdline_has() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$2"; }
pid_of() { cat "$pids/$1.pid" 2>/dev/null || true; }

old=$(pid_of serve)
if alive "$old" && [ "$old" != $$ ] && cmdline_has "$old" serve.sh; then
  die "already running (pid $old); stop it with: kill $old"
fi
echo $$ >"$pids/serve.pid"

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

# Pipelines of our server carry its data directory in their arguments.
pipelines_of_run() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" != $$ ] && cmdline_has "$p" "$run/server/" && echo "$p"
  done
  return 0
}

stop_pid() {  # pid signal what: signal, wait up to 15 s, then SIGKILL
  local pid=$1 sig=$2 _
  alive "$pid" || return 0
  kill "-$sig" "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do alive "$pid" || return 0; sleep 0.1; done
  say "$3 ignored SIG$sig for 15 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  local p
  p=$(pid_of server); if alive "$p" && cmdline_has "$p" roadwatch-server; then
    stop_pid "$p" TERM roadwatch-server; fi
  for p in $(pipelines_of_run); do stop_pid "$p" TERM "pipeline $p"; done
  p=$(pid_of redis); if alive "$p" && cmdline_has "$p" redis-server; then
    stop_pid "$p" TERM redis-server; fi
  if [ -f "$run/pg/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -f "$pids/server.pid" "$pids/redis.pid"
}

# Asks the server to stop the sessions that run, so that the next start begins afresh rather
# than taking them for a crash to recover from.
stop_sessions() {
  [ -n "${base:-}" ] || return 0
  api --max-time 5 "$base/api/sessions" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    if s["desired_state"] == "running":
        print(("videos" if s["kind"] == "video" else "cameras") + "/" + str(s["source_id"]))' |
    while read -r source; do
      api --max-time 20 -o /dev/null -X POST "$base/api/$source/stream/stop"
    done
}

cleanup() {
  trap - EXIT INT TERM
  say "stopping server, pipelines, Redis and PostgreSQL"
  stop_sessions 2>/dev/null || true
  stop_all
  rm -f "$pids/serve.pid"
  say "stopped"
}

stop_all  # leftovers of an instance that was killed with -9
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
port_free() {  # with SO_REUSEADDR, as the server binds: old connections do not hold the port
  /usr/bin/python3 -c 'import socket, sys; s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' \
    "$1" 2>/dev/null
}
wait_for() {  # seconds what command...: polls the command until it succeeds
  local secs=$1 what=$2 _
  shift 2
  for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what: not within $secs s"
}

# --- PostgreSQL: a private cluster in run/pg, owned by postgres when we are root -------------
mkdir -p "$run/pg"
if [ ${#as_pg[@]} -gt 0 ]; then
  chown postgres: "$run/pg"
  "${as_pg[@]}" test -x "$run/pg" ||
    die "user postgres cannot reach $run/pg (a parent directory is private): set RW_RUN_DIR"
fi
if [ ! -f "$run/pg/data/PG_VERSION" ]; then
  say "creating the PostgreSQL cluster in $run/pg/data"
  rm -rf "$run/pg/data"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$run/pg/data" --auth=trust -U postgres -E UTF8 \
    >"$run/logs/initdb.log" 2>&1 || die "initdb failed: $run/logs/initdb.log"
fi
mkdir -p "$run/pg/sock"
[ ${#as_pg[@]} -eq 0 ] || chown postgres: "$run/pg/sock"
pg_port=$(free_port)
# Each daemon runs in a session of its own: Ctrl-C reaches this script only, which then stops
# them in order (sessions, server, pipelines, Redis, PostgreSQL).
setsid "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run/pg/data" -l "$run/pg/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $run/pg/sock -c listen_addresses=127.0.0.1" start >/dev/null ||
  die "PostgreSQL did not start: $run/pg/postgres.log"
psql_pg() { "${as_pg[@]}" psql -X -q -h "$run/pg/sock" -p "$pg_port" -U postgres "$@"; }
if [ -z "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'roadwatch'")" ]
then
  psql_pg -d postgres -c "CREATE DATABASE roadwatch" >/dev/null
fi
conninfo="host=$run/pg/sock port=$pg_port user=postgres dbname=roadwatch"

# --- Redis --------------------------------------------------------------------------------
redis_port=$(free_port)
setsid redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run/redis" --save '' \
  --appendonly no >"$run/logs/redis.log" 2>&1 &
echo $! >"$pids/redis.pid"
wait_for 20 "redis-server on port $redis_port" redis-cli -p "$redis_port" ping

# --- roadwatch-server ---------------------------------------------------------------------
if [ ! -s "$run/tokens" ]; then
  (umask 077 && echo "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') operator admin" \
    >"$run/tokens")
fi
token=$(awk '$2 == "operator" {print $1; exit}' "$run/tokens")
port=${RW_SERVE_PORT:-8686}
# 0 means any free port (the readiness check below needs to know which).
if [ "$port" = 0 ] || ! port_free "$port"; then port=$(free_port); fi
: >"$run/logs/server.log"
web=(--web-root "$repo/web/dist")  # built by scripts/build.sh
setsid "$server_bin" --bind "$bind" --port "$port" --data-dir "$run/server" --pg "$conninfo" \
  --redis-host 127.0.0.1 --redis-port "$redis_port" --tokens-file "$run/tokens" \
  --model "$("$repo/scripts/resolve-asset.sh" model yolox_nano.onnx)" \
  --runner "$build/tools/run/roadwatch-run" --plugin-dir "$build/gst-plugins/gst" "${web[@]}" \
  >>"$run/logs/server.log" 2>&1 &
echo $! >"$pids/server.pid"
wait_for 60 "roadwatch-server listening (log: $run/logs/server.log)" \
  grep -q "listening on" "$run/logs/server.log"
base=http://127.0.0.1:$port
[ "$bind" = 127.0.0.1 ] || base=http://$bind:$port
api() { curl -sS -H "Authorization: Bearer $token" "$@"; }
wait_for 60 "roadwatch-server ready ($base/readyz)" curl -sSf "$base/readyz"

# --- the sample clip: registered once, started ------------------------------------------------
video_id=$(api "$base/api/videos" | /usr/bin/python3 -c '
import json, sys
body = json.load(sys.stdin)
items = body["videos"]
print(next((str(v["id"]) for v in items if v["name"] == sys.argv[1]), ""))' "$sample_name")
if [ -z "$video_id" ]; then
  clip=$("$repo/scripts/resolve-asset.sh" media "$sample.mp4")
  fields=$(/usr/bin/python3 -c '
import json, sys
zones = json.load(open(sys.argv[1]))
print(json.dumps({"roi_polygon": zones["zones"][0]["polygon"]}))
print(json.dumps(zones["lines"]))' "$repo/pipelines/zones/$sample.json")
  video_id=$(api -f -F "video=@$clip;type=video/mp4" -F "name=$sample_name" -F fps=30 \
    -F "roi=$(sed -n 1p <<<"$fields")" -F "lines=$(sed -n 2p <<<"$fields")" \
    -F "calibration=<$repo/pipelines/calibration/$sample.json" -F speed_limit=130 \
    "$base/api/videos/upload" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  say "registered $sample.mp4 as video $video_id"
fi
status=$(api -o /dev/null -w '%{http_code}' -X POST "$base/api/videos/$video_id/stream/start")
case "$status" in
  201) say "started video $video_id" ;;
  409) say "video $video_id is already running" ;;
  *) die "start of video $video_id answered HTTP $status (log: $run/logs/server.log)" ;;
esac

dashboard="$base/"
cat <<EOF

  dashboard      : $dashboard
  operator token : $token
  API            : $base/api/videos   (curl -H "Authorization: Bearer \$token" ...)
  live stream    : ws://${base#http://}/ws/client/stream
                   (channels processed_frame_$video_id and analytics_metrics_$video_id)
  logs and data  : $run

Ctrl-C stops everything.
EOF

# Wait for the server; a signal interrupts the wait and the EXIT trap stops everything.
wait "$(pid_of server)" || die "roadwatch-server exited (log: $run/logs/server.log)"

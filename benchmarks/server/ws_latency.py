#!/usr/bin/python3
"""roadwatch-server delivery and query latency (issue 6, SPEC §7).

1. Redis -> WebSocket: a producer process XADDs real roadwatch/1 records and ~40 KB JPEG frames
   of the sample clip at 30 fps to roadwatch:{id}:analytics / :frames, with its send time
   (time.time_ns()) as the record's and the frame's pts_ns; N = 1, 100, 500 WebSocket clients
   (in 2 client processes) subscribe to both channels like the dashboard and note
   receive time - pts_ns. Prints p50/p99 per kind, and how many messages arrived.
2. REST: 100 000 traffic_metrics rows (and 10 000 violations) inserted with psycopg2, then
   GET /api/violations and /api/analytics/timeseries (1hour and 1day windows), p50/p95.

Targets (issue 6): p99 analytics latency < 50 ms at 500 clients; REST p95 < 20 ms. The
figures are printed, never asserted. Everything runs on this machine: the clients and the
producer share its cores with the server, so the latencies include their own queueing.

Usage: benchmarks/server/ws_latency.py [--clients 1,100,500] [--seconds 10]
       [--rest-rows 100000] [--requests 200]   (RW_BUILD_DIR: the build to use)
"""
import argparse
import base64
import datetime
import http.client
import json
import multiprocessing
import os
import re
import statistics
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "server", "system"))
import rwserver  # noqa: E402  (PostgresCluster, ServerProcess, the sample clip)
import rwtest  # noqa: E402

FPS = 30
ANALYTICS_TARGET_P99_MS = 50.0
REST_TARGET_P95_MS = 20.0
LABELS = ("car", "truck", "bus", "motorcycle")


# ------------------------------------------------------------------------------------------
# What the producer sends


def load_records():
    """Real roadwatch/1 records of the sample clip: out/highway-640x360.jsonl when demo.sh
    made it, else a run of pipelines/speed-file.sh into a scratch directory."""
    path = os.path.join(rwtest.SOURCE_DIR, "out", "highway-640x360.jsonl")
    if not os.path.exists(path):
        import subprocess
        scratch = rwtest.scratch_dir()
        path = os.path.join(scratch, "highway-640x360.jsonl")
        subprocess.run([os.path.join(rwtest.SOURCE_DIR, "pipelines", "speed-file.sh"),
                        rwtest.asset("media", rwserver.CLIP),
                        os.path.join(scratch, "annotated.mp4"), path],
                       env=rwtest.gst_env(), check=True, timeout=600)
    return rwtest.read_jsonl(path)


def load_jpegs(count=60, quality=80):
    """JPEGs of the sample clip's first frames, as the pipeline's jpegenc makes them."""
    import cv2
    cap = cv2.VideoCapture(rwtest.asset("media", rwserver.CLIP))
    out = []
    while len(out) < count:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes())
    return out


def producer(redis_port, source_id, first_frame, count, records, jpegs, window, done):
    """XADDs `count` records and frames, one each per 1/FPS s, numbered from `first_frame`
    (numbers only grow: the hub drops a frame number it has seen), pts_ns = send time; counts
    the records sent inside the measurement window."""
    import redis
    db = redis.Redis(port=redis_port)
    analytics_key = f"roadwatch:{source_id}:analytics"
    frames_key = f"roadwatch:{source_id}:frames"
    start = time.perf_counter()
    for i in range(count):
        n = first_frame + i
        wait = start + i / FPS - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # pacing at the frame rate (a benchmark, not a test)
        record = dict(records[n % len(records)])
        record.update(source_id=str(source_id), frame_number=n)
        now_ns = time.time_ns()
        record["pts_ns"] = now_ns
        record["ts_unix_ms"] = now_ns // 1_000_000
        # Events report the frame they are on: same number and time as the record.
        record["events"] = [dict(e, frame_number=n, pts_ns=now_ns)
                            for e in record.get("events", [])]
        db.xadd(analytics_key, {"json": json.dumps(record)}, maxlen=10000, approximate=True)
        db.xadd(frames_key, {"frame_number": n, "pts_ns": time.time_ns(),
                             "jpeg": jpegs[n % len(jpegs)]}, maxlen=50, approximate=True)
        if window["go_ns"].value and now_ns >= window["go_ns"].value:
            window["sent"].value += 1
    window["end_ns"].value = time.time_ns()
    done.set()


# ------------------------------------------------------------------------------------------
# The clients


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PTS = re.compile(rb'"pts_ns":(\d+)')
FRAME_NUMBER = re.compile(rb'"frame_number":(\d+)')


class LeanWebSocket:
    """A minimal RFC 6455 client on an asyncio Protocol, so that 500 of them in Python cost
    less CPU than the server they measure (the websockets package spends ~100 us a message):
    no per-message object, no JSON parse of the analytics (pts_ns and frame_number are read
    with a regex: the producer gives every event of a record the record's own values), the
    receive time taken once per socket read. Server frames are unmasked; pings are answered."""

    def __init__(self, host, port, path, on_message):
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n")
        self.on_message = on_message  # (receive ns, opcode, payload bytes)
        self.buf = bytearray()
        self.upgraded = None  # asyncio.Future once connecting
        self.transport = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request.encode())

    def data_received(self, data):
        now_ns = time.time_ns()
        self.buf += data
        if not self.upgraded.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:end]).split(b"\r\n", 1)[0]
            del self.buf[:end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded.set_result(True)
        pos = 0
        buf = self.buf
        while len(buf) - pos >= 2:
            opcode, length, header = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, header = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, header = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if len(buf) - pos < header + length:
                break
            payload = bytes(buf[pos + header:pos + header + length])
            pos += header + length
            if opcode == 9:  # ping
                self.send(payload, opcode=10)
            elif opcode == 8:
                self.closed = True
            elif opcode in (1, 2):
                self.on_message(now_ns, opcode, payload)
        del buf[:pos]

    def connection_lost(self, exc):
        self.closed = True

    def send(self, payload, opcode=1):
        """A masked (client) frame; payloads below 126 bytes (subscribe, pong)."""
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    # asyncio.Protocol's remaining callbacks
    def eof_received(self):
        return False

    def pause_writing(self):
        pass

    def resume_writing(self):
        pass


def client_process(url, source_id, count, frames, window, ready, stop, conn):
    """`count` WebSocket clients on the analytics channel (and the frames channel when
    `frames`). Each notes the latency of every message sent inside the measurement window;
    a client counts as finished when the producer's last record reached it. Sends back
    (analytics ms, frames ms, connections closed, CPU seconds in the window)."""
    import asyncio

    analytics_ms, frames_ms = [], []
    cpu = {}
    parsed = urllib.parse.urlparse(url)

    def in_window(pts_ns):
        go_ns = window["go_ns"].value
        end_ns = window["end_ns"].value
        return go_ns and pts_ns >= go_ns and (not end_ns or pts_ns <= end_ns)

    def on_message(now_ns, opcode, payload):
        if opcode == 2:
            n = int.from_bytes(payload[:4], "big")
            pts = int(PTS.search(payload, 4, 4 + n).group(1))
            if in_window(pts):
                frames_ms.append((now_ns - pts) / 1e6)
            return
        if b'"type":"analytics"' not in payload:
            return  # acks and the like
        pts = int(PTS.search(payload).group(1))
        if in_window(pts):
            analytics_ms.append((now_ns - pts) / 1e6)
        if int(FRAME_NUMBER.search(payload).group(1)) == window["last_frame"].value:
            with window["finished"].get_lock():
                window["finished"].value += 1

    async def main():
        loop = asyncio.get_running_loop()
        sockets = []
        channels = [f"analytics_metrics_{source_id}"]
        if frames:
            channels.append(f"processed_frame_{source_id}")
        for _ in range(count):
            ws = LeanWebSocket(parsed.hostname, parsed.port, parsed.path, on_message)
            ws.upgraded = loop.create_future()
            await loop.create_connection(lambda: ws, parsed.hostname, parsed.port)
            await asyncio.wait_for(ws.upgraded, 60)
            for channel in channels:
                ws.send(json.dumps({"action": "subscribe", "channel": channel}).encode())
            sockets.append(ws)
        ready.set()
        while not window["go_ns"].value:
            await asyncio.sleep(0.05)
        cpu["go"] = cpu_seconds(os.getpid())
        while not stop.is_set():
            await asyncio.sleep(0.05)
        cpu["stop"] = cpu_seconds(os.getpid())
        closed = sum(ws.closed for ws in sockets)
        for ws in sockets:
            ws.transport.close()
        return closed

    closed = asyncio.run(main())
    conn.send((analytics_ms, frames_ms, closed, cpu["stop"] - cpu["go"]))


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def measure_delivery(server, redis_port, source_id, first_frame, clients, frames, seconds,
                     records, jpegs, processes=2):
    """One row of the table: `clients` clients in `processes` processes, the producer for
    `seconds` after a 2 s warm-up, then up to 60 s for the late messages to arrive."""
    ctx = multiprocessing.get_context("fork")
    stop, done = ctx.Event(), ctx.Event()
    warmup_s = 2.0
    count = int((seconds + warmup_s) * FPS)
    window = {"go_ns": ctx.Value("q", 0), "end_ns": ctx.Value("q", 0),
              "last_frame": ctx.Value("q", first_frame + count - 1), "sent": ctx.Value("q", 0),
              "finished": ctx.Value("q", 0)}
    workers = []
    per = [clients // processes + (1 if i < clients % processes else 0)
           for i in range(processes)]
    for share in per:
        if share == 0:
            continue
        ready = ctx.Event()
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=client_process, args=(server.ws_url(), source_id, share,
                                                        frames, window, ready, stop, child))
        proc.start()
        workers.append((proc, ready, parent))
    for proc, ready, _ in workers:
        if not ready.wait(300):
            raise SystemExit(f"clients did not connect:\n{server.log_tail()}")
    # Every subscription registered before the producer starts.
    http_ = server.http()
    rwserver.eventually(lambda: http_.get("/api/websocket/status").json().get(
        "total_clients") == clients, 60, f"{clients} clients registered", server.log_tail)
    prod = ctx.Process(target=producer, args=(redis_port, source_id, first_frame, count,
                                              records, jpegs, window, done))
    prod.start()
    time.sleep(warmup_s)  # the first messages pay for connection warm-up: not measured
    server_cpu = cpu_seconds(server.pid)
    t0 = time.monotonic()
    window["go_ns"].value = time.time_ns()
    done.wait(seconds + 60)
    prod.join()
    drained = True
    try:
        rwserver.eventually(lambda: window["finished"].value >= clients, 60,
                            "every client got the last record")
    except AssertionError:
        drained = False
    server_cpu = cpu_seconds(server.pid) - server_cpu
    wall = time.monotonic() - t0
    stop.set()
    analytics, frames_ms, closed, client_cpu = [], [], 0, 0.0
    for proc, _, parent in workers:
        a, f, c, cpu = parent.recv()
        analytics += a
        frames_ms += f
        closed += c
        client_cpu += cpu
        proc.join()
    return {"analytics": analytics, "frames": frames_ms, "closed": closed,
            "sent": window["sent"].value, "drained": drained, "wall_s": wall,
            "server_cpu": server_cpu / wall, "client_cpu": client_cpu / wall,
            "next_frame": first_frame + count}


# ------------------------------------------------------------------------------------------
# REST


# Mean vehicles per minute by class on a busy road (Poisson-ish counts around these).
MEAN_PER_MINUTE = {"car": 20, "truck": 4, "bus": 1, "motorcycle": 1}


def insert_history(pg, source_ids, rows, violations):
    """`rows` traffic_metrics rows over the sources (one per minute and class, going back
    from now), the vehicle passages they count (the time series' 85th percentile comes from
    those), and `violations` speeding_violations with a JPEG snapshot each."""
    import io
    import random

    from psycopg2.extras import execute_values
    rng = random.Random(6)
    conn = pg.connect()
    cur = conn.cursor()
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    per_source = rows // (len(source_ids) * len(LABELS))
    metrics = io.StringIO()
    passages = io.StringIO()
    sessions = {}
    count_rows = 0
    for sid in source_ids:
        cur.execute("INSERT INTO sessions (source_id, state, desired_state) VALUES (%s,"
                    " 'stopped', 'stopped') RETURNING id", (sid,))
        sessions[sid] = session_id = cur.fetchone()[0]
        track = 0
        for m in range(per_source):
            bucket = now - datetime.timedelta(minutes=m)
            for label in LABELS:
                count = max(0, round(rng.gauss(MEAN_PER_MINUTE[label],
                                               MEAN_PER_MINUTE[label] ** 0.5)))
                speeds = [max(5.0, rng.gauss(95, 20)) for _ in range(count)]
                p85 = sorted(speeds)[int(0.85 * (count - 1))] if count else "\\N"
                metrics.write(f"{sid}\t{bucket.isoformat()}\t{label}\t{count}\t{count}\t"
                              f"{sum(speeds)}\t{p85}\t{sum(v > 120 for v in speeds)}\n")
                count_rows += 1
                for i, v in enumerate(speeds):
                    track += 1
                    at = bucket + datetime.timedelta(seconds=60 * i / max(count, 1))
                    passages.write(f"{session_id}\t{sid}\t{track}\t{label}\t"
                                   f"{at.isoformat()}\t{v:.2f}\n")
    metrics.seek(0)
    cur.copy_from(metrics, "traffic_metrics", columns=(
        "source_id", "bucket_start", "label", "vehicle_count", "speed_count", "speed_sum_kmh",
        "speed_p85_kmh", "violations"))
    passages.seek(0)
    cur.copy_from(passages, "vehicle_passages", columns=(
        "session_id", "source_id", "track_id", "label", "entered_at", "speed_kmh"))
    passage_rows = cur.rowcount
    jpeg = load_jpegs(1)[0]
    first = source_ids[0]
    execute_values(cur, "INSERT INTO speeding_violations (session_id, source_id, track_id, zone,"
                   " frame_number, pts_ns, label, speed_kmh, limit_kmh, occurred_at, snapshot)"
                   " VALUES %s",
                   [(sessions[first], first, 10_000_000 + i, "roi", i, i * 33_333_333, "car",
                     121 + rng.random() * 60, 120,
                     now - datetime.timedelta(seconds=30 * i), jpeg)
                    for i in range(violations)], page_size=1000)
    cur.execute("ANALYZE")
    conn.close()
    return now - datetime.timedelta(minutes=per_source), now, count_rows, passage_rows


def time_requests(server, path, count, budget_s=30.0):
    """Wall ms of GETs of `path` on one keep-alive connection, after 5 warm-ups: `count` of
    them, or as many as fit in `budget_s` (at least 20) for slow ones."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    out = []
    start = time.monotonic()
    for i in range(count + 5):
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise SystemExit(f"GET {path}: HTTP {resp.status} {body[:300]!r}")
        if i >= 5:
            out.append(elapsed)
        if len(out) >= 20 and time.monotonic() - start > budget_s:
            break
    conn.close()
    return out, len(body)


# ------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,100,500")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rest-rows", type=int, default=100_000)
    parser.add_argument("--violations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    records = load_records()
    jpegs = load_jpegs()
    cleanups = []
    try:
        pg = rwserver.PostgresCluster()
        cleanups.append(pg.destroy)
        pg.start()
        redis = rwtest.RedisServer().start()
        cleanups.append(redis.kill)
        server = rwserver.ServerProcess(pg, redis)
        cleanups.append(server.destroy)
        server.start()
        server.wait_ready()
        source_id = rwserver.upload_clip(server.http(), "bench")["id"]
        print(f"roadwatch-server delivery latency, Redis XADD -> WebSocket receive; {FPS} fps, "
              f"{args.seconds:g} s per row, records of the sample clip "
              f"(mean {statistics.mean(len(json.dumps(r)) for r in records) / 1024:.1f} KiB), "
              f"JPEG frames (mean {statistics.mean(map(len, jpegs)) / 1024:.1f} KiB); "
              "clients on the analytics channel, or on both like the dashboard; CPU = cores "
              "busy (100 % = one core of this machine's 2)\n")
        print("| clients | channels | analytics p50 / p99 ms | frames p50 / p99 ms | analytics"
              " / frames received per client (sent) | server CPU | clients CPU | closed |"
              " p99 analytics < 50 ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        next_frame = 0
        for n in [int(x) for x in args.clients.split(",")]:
            for frames in (False, True):
                r = measure_delivery(server, redis.port, source_id, next_frame, n, frames,
                                     args.seconds, records, jpegs)
                next_frame = r["next_frame"]
                p99 = percentile(r["analytics"], 99)
                frame_cell = (f"{percentile(r['frames'], 50):.1f} / "
                              f"{percentile(r['frames'], 99):.1f}") if frames else "-"
                print(f"| {n} | {'both' if frames else 'analytics'} | "
                      f"{percentile(r['analytics'], 50):.1f} / {p99:.1f} | {frame_cell} | "
                      f"{len(r['analytics']) / n:.0f} / {len(r['frames']) / n:.0f} "
                      f"({r['sent']}){'' if r['drained'] else ' not all arrived'} | "
                      f"{100 * r['server_cpu']:.0f} % | {100 * r['client_cpu']:.0f} % | "
                      f"{r['closed']} | "
                      f"{'met' if p99 < ANALYTICS_TARGET_P99_MS else 'NOT met'} |", flush=True)

        more = [rwserver.upload_clip(server.http(), f"bench {i}")["id"] for i in range(4)]
        first, last, inserted, passages = insert_history(pg, [source_id] + more,
                                                         args.rest_rows, args.violations)
        span = f"from={first.isoformat().replace('+00:00', 'Z')}&to=" \
               f"{last.isoformat().replace('+00:00', 'Z')}"
        days = (last - first).total_seconds() / 86400
        print(f"\nREST on {inserted} traffic_metrics rows ({len(more) + 1} sources, "
              f"{len(LABELS)} classes, per minute over {days:.1f} days), the "
              f"{passages} vehicle passages they count and {args.violations} violations; "
              f"up to {args.requests} requests each (30 s at most), one keep-alive connection\n")
        print("| request | requests | p50 ms | p95 ms | body bytes | p95 < 20 ms |")
        print("|---|---|---|---|---|---|")
        for label, path in (
                ("violations, first page", f"/api/violations?source={source_id}&limit=50"),
                ("violations, min_speed, page 10",
                 f"/api/violations?source={source_id}&min_speed=150&limit=50&offset=450"),
                ("timeseries 1hour, one source", f"/api/analytics/timeseries?source="
                 f"{source_id}&window=1hour&{span}"),
                ("timeseries 1day, one source", f"/api/analytics/timeseries?source="
                 f"{source_id}&window=1day&{span}"),
                ("timeseries 1hour, all sources", f"/api/analytics/timeseries?window=1hour&"
                 f"{span}")):
            times, size = time_requests(server, path, args.requests)
            p95 = percentile(times, 95)
            print(f"| {label} | {len(times)} | {percentile(times, 50):.2f} | {p95:.2f} | {size} | "
                  f"{'met' if p95 < REST_TARGET_P95_MS else 'NOT met'} |", flush=True)
    finally:
        for fn in reversed(cleanups):
            fn()


if __name__ == "__main__":
    main()

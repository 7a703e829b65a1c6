"""redissink against a real redis-server: stream contents (schema-valid records identical to
metaconvert's, events, byte-exact JPEGs, MAXLEN ~), and Redis down at start, killed mid-run,
a wrong password or an unreachable host: the pipeline keeps running and finishes, and its
counters account for every entry (redissink-stats, printed by gst-launch -m)."""
import glob
import json
import os
import re
import subprocess
import threading
import time
import unittest

import cv2
import numpy as np

import rwtest
import test_schema

TIMEOUT = 120
STATS = re.compile(r'from element "(?P<name>[^"]+)" \(element\): redissink-stats, (?P<fields>.*);')
KINDS = ("frames", "analytics", "events")


def parse_stats(out):
    """{element name: {field: int}} from the last redissink-stats message of each element."""
    stats = {}
    for m in STATS.finditer(out):
        fields = dict(re.findall(r"([a-z-]+)=\(guint64\)(\d+)", m.group("fields")))
        stats[m.group("name")] = {k: int(v) for k, v in fields.items()}
    return stats


class Launch:
    """gst-launch-1.0 -m in the background; its output is collected line by line, and tests
    wait for a line to appear (with a deadline) instead of sleeping."""

    def __init__(self, pipeline, **paths):
        args = ["gst-launch-1.0", "-m"] + [tok.format(**paths) for tok in pipeline.split()]
        self.proc = subprocess.Popen(args, env=rwtest.gst_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        self.lines = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, pattern, timeout=TIMEOUT):
        """Waits until a line matches `pattern`; raises AssertionError at the deadline."""
        regex = re.compile(pattern)
        with self.changed:
            if self.changed.wait_for(lambda: any(regex.search(l) for l in self.lines), timeout):
                return
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{self.output()}")

    def finish(self, timeout=TIMEOUT):
        """Waits for the exit; returns (returncode, output)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise AssertionError(f"still running after {timeout} s:\n{self.output()}") from exc
        self.reader.join(timeout)
        self.proc.stdout.close()
        return rc, self.output()

    def close(self):
        """Kills it if it still runs (a failed test) and releases its pipe."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(TIMEOUT)
        self.proc.stdout.close()

    def output(self):
        with self.changed:
            return "".join(self.lines)


def launch_ok(pipeline, timeout=TIMEOUT, **paths):
    """Runs a pipeline to the end; asserts exit 0 without CRITICAL; returns its output."""
    rc, out = Launch(pipeline, **paths).finish(timeout)
    if rc != 0 or "CRITICAL" in out:
        raise AssertionError(f"pipeline failed (exit {rc}):\n{pipeline}\n{out[-4000:]}")
    return out


def wait_for_entries(client, key, count, timeout=TIMEOUT):
    """Blocks (XREAD BLOCK, no polling) until `key` has had `count` entries added."""
    last_id, seen = "0-0", 0
    deadline = time.monotonic() + timeout
    while seen < count:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            raise AssertionError(f"{key}: {seen} entries after {timeout} s, expected {count}")
        for _, entries in client.xread({key: last_id}, count=count, block=left_ms) or []:
            seen += len(entries)
            last_id = entries[-1][0]


def records(client, key):
    return [json.loads(fields[b"json"]) for _, fields in client.xrange(key)]


def without_wall_clock(record):
    return {k: v for k, v in record.items() if k != "ts_unix_ms"}


def assert_accounted(test, stats, produced):
    """Every entry produced was published or dropped, none is pending, per kind."""
    for kind, n in produced.items():
        test.assertEqual(stats[f"enqueued-{kind}"], n, kind)
        test.assertEqual(stats[f"published-{kind}"] + stats[f"dropped-{kind}"], n, kind)
        test.assertEqual(stats[f"pending-{kind}"], 0, kind)


TESTSRC = "videotestsrc num-buffers={n} ! video/x-raw,width=160,height=120,framerate=30/1"


class StreamContents(unittest.TestCase):
    """Redis up: what lands in the streams."""

    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.redis = rwtest.RedisServer().start()
        cls.client = cls.redis.client()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()

    def setUp(self):
        self.client.flushall()

    def test_records_and_events_match_metaconvert(self):
        """The full chain on a real clip, teed into metaconvert and redissink: one analytics
        entry per frame, schema-valid and equal to metaconvert's line (but the wall clock);
        every event of every record on roadwatch:events with its source_id and run_id, in
        order; a speeding event carries a JPEG of its frame exactly when its vehicle is on
        that frame, and no other event does."""
        work = rwtest.scratch_dir()
        paths = {"calibration": os.path.join(work, "calibration.json"),
                 "zones": os.path.join(work, "zones.json"), "out": os.path.join(work, "out.jsonl")}
        for key, content in (("calibration", test_schema.CALIBRATION),
                             ("zones", test_schema.ZONES)):
            with open(paths[key], "w") as f:
                json.dump(content, f)
        out = launch_ok(
            "filesrc location={short} ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! "
            "video/x-raw,format=BGR ! yolodetect model-file={model} ! deepsorttrack ! "
            "homographyspeed calibration-file={calibration} ! "
            "roianalytics zones-file={zones} speed-limit=1 ! tee name=t "
            "t. ! queue ! metaconvert source-id=cam-1 ! filesink location={out} "
            f"t. ! queue ! redissink port={self.redis.port} source-id=cam-1 run-id=run-9 "
            "snapshot-events=speeding",
            timeout=300, short=test_schema.short_clip(),
            model=rwtest.asset("model", "yolox_nano.onnx"), **paths)
        expected = rwtest.read_jsonl(paths["out"])
        got = records(self.client, "roadwatch:cam-1:analytics")
        self.assertGreaterEqual(len(got), test_schema.CUT_PACKETS - 4)
        test_schema.assert_all_valid(self, got)
        self.assertEqual([without_wall_clock(r) for r in got],
                         [without_wall_clock(r) for r in expected])

        events = self.client.xrange("roadwatch:events")
        self.assertEqual({fields[b"source_id"] for _, fields in events}, {b"cam-1"})
        self.assertEqual({fields[b"run_id"] for _, fields in events}, {b"run-9"})
        snapshots = 0
        for _, fields in events:
            event = json.loads(fields[b"json"])
            shown = event["type"] == "speeding" and any(
                o.get("track_id") == event["track_id"]
                for o in expected[event["frame_number"]]["objects"])
            self.assertEqual(b"jpeg" in fields, shown, event)
            if shown:
                image = cv2.imdecode(np.frombuffer(fields[b"jpeg"], np.uint8), cv2.IMREAD_COLOR)
                self.assertEqual(image.shape, (720, 1280, 3))
                snapshots += 1
        self.assertGreater(snapshots, 0)
        self.assertEqual([json.loads(fields[b"json"]) for _, fields in events],
                         [e for r in expected for e in r["events"]])
        types = {json.loads(fields[b"json"])["type"] for _, fields in events}
        self.assertLessEqual({"enter", "speeding", "end_of_stream"}, types)
        stats = parse_stats(out)["redissink0"]
        assert_accounted(self, stats, {"analytics": len(expected), "events": len(events)})
        self.assertEqual(stats["dropped-analytics"] + stats["dropped-events"], 0)

    def test_jpeg_frames_are_byte_exact(self):
        """image/jpeg: frame_number 0..n-1, pts_ns, and the very bytes jpegenc made (teed to
        files), which decode to the frame size."""
        n = 30
        work = rwtest.scratch_dir()
        launch_ok(f"{TESTSRC.format(n=n)} ! jpegenc ! tee name=t "
                  "t. ! queue ! multifilesink location={dir}/%05d.jpg "
                  f"t. ! queue ! redissink port={self.redis.port} source-id=cam-2 "
                  "frames-maxlen=0", dir=work)
        files = sorted(glob.glob(os.path.join(work, "*.jpg")))
        entries = self.client.xrange("roadwatch:cam-2:frames")
        self.assertEqual(len(files), n)
        self.assertEqual(len(entries), n)
        for i, ((_, fields), path) in enumerate(zip(entries, files)):
            self.assertEqual(int(fields[b"frame_number"]), i)
            self.assertEqual(int(fields[b"pts_ns"]), i * 1_000_000_000 // 30)
            with open(path, "rb") as f:
                self.assertEqual(fields[b"jpeg"], f.read(), f"frame {i}")
            image = cv2.imdecode(np.frombuffer(fields[b"jpeg"], np.uint8), cv2.IMREAD_COLOR)
            self.assertEqual(image.shape, (120, 160, 3))

    def test_maxlen_trims_streams(self):
        """MAXLEN ~ 20 over 200 records: everything is published, the stream keeps the newest
        ones, at least 20 and less than 20 plus one stream node (10 entries here)."""
        self.client.config_set("stream-node-max-entries", 10)
        out = launch_ok(f"{TESTSRC.format(n=200)} ! redissink port={self.redis.port} "
                        "source-id=cam-3 maxlen=20")
        assert_accounted(self, parse_stats(out)["redissink0"], {"analytics": 200})
        length = self.client.xlen("roadwatch:cam-3:analytics")
        self.assertGreaterEqual(length, 20)
        self.assertLess(length, 30)
        kept = [r["frame_number"] for r in records(self.client, "roadwatch:cam-3:analytics")]
        self.assertEqual(kept, list(range(200 - length, 200)))


class RedisTrouble(unittest.TestCase):
    """Redis missing, dying or refusing: the pipeline runs to the end, nothing is unaccounted."""

    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()

    def test_down_at_start(self):
        """Nothing listens: a warning, exit 0, and every record counted as dropped."""
        out = launch_ok(f"{TESTSRC.format(n=50)} ! redissink port={rwtest.free_port()} "
                        "queue-size=10 drain-timeout-ms=200")
        self.assertRegex(out, r"WARNING: .*redis at 127\.0\.0\.1:\d+ unreachable")
        stats = parse_stats(out)["redissink0"]
        assert_accounted(self, stats, {"analytics": 50})
        self.assertEqual(stats["dropped-analytics"], 50)

    def test_comes_up_later(self):
        """Down at start, started while the (live) pipeline runs: it connects by itself,
        says so, and publishes what the queue still holds plus everything after."""
        redis = rwtest.RedisServer()
        run = Launch(f"videotestsrc is-live=true num-buffers=90 ! "
                     f"video/x-raw,width=160,height=120,framerate=30/1 ! "
                     f"redissink port={redis.port} drain-timeout-ms=20000")
        try:
            run.wait_for(r"WARNING: .*unreachable")
            redis.start()
            rc, out = run.finish()
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"INFO:[\s\S]*reconnected to redis")
            stats = parse_stats(out)["redissink0"]
            assert_accounted(self, stats, {"analytics": 90})
            # queue-size 1000 holds everything queued while down: nothing was lost.
            self.assertEqual(stats["published-analytics"], 90)
            kept = [r["frame_number"] for r in records(redis.client(), "roadwatch:0:analytics")]
            self.assertEqual(kept, list(range(90)))
        finally:
            run.close()
            redis.stop()

    def test_killed_mid_run(self):
        """kill -9 of redis after 30 records of a live run, then a restart: the pipeline keeps
        going, reconnects, frames and records published + dropped = produced, and the new
        server gets the rest of the run in order."""
        n = 150
        redis = rwtest.RedisServer().start()
        run = Launch(f"videotestsrc is-live=true num-buffers={n} ! "
                     "video/x-raw,width=160,height=120,framerate=30/1 ! tee name=t "
                     f"t. ! queue ! redissink port={redis.port} source-id=k drain-timeout-ms=20000 "
                     f"t. ! queue ! jpegenc ! redissink port={redis.port} source-id=k "
                     "frames-maxlen=0 drain-timeout-ms=20000")
        try:
            wait_for_entries(redis.client(), "roadwatch:k:analytics", 30)
            redis.kill()
            run.wait_for(r"WARNING: .*unreachable")
            redis.start()
            rc, out = run.finish()
            self.assertEqual(rc, 0, out)
            self.assertNotIn("CRITICAL", out)
            self.assertRegex(out, r"INFO:[\s\S]*reconnected to redis")
            stats = parse_stats(out)
            assert_accounted(self, stats["redissink0"], {"analytics": n})
            assert_accounted(self, stats["redissink1"], {"frames": n})
            client = redis.client()
            after = [r["frame_number"] for r in records(client, "roadwatch:k:analytics")]
            self.assertTrue(after, "nothing published after the restart")
            self.assertEqual(after, sorted(set(after)))
            self.assertEqual(after[-1], n - 1)
            self.assertLessEqual(len(after), stats["redissink0"]["published-analytics"])
            frames = [int(f[b"frame_number"]) for _, f in client.xrange("roadwatch:k:frames")]
            self.assertEqual(frames[-1], n - 1)
        finally:
            run.close()
            redis.stop()

    def test_passwords(self):
        """requirepass: the right password publishes; a wrong one or none warns (WRONGPASS,
        NOAUTH), ends after drain-timeout-ms and drops everything."""
        with rwtest.RedisServer() as redis:
            redis.client().config_set("requirepass", "s3cret")
            base = f"{TESTSRC.format(n=20)} ! redissink port={redis.port} drain-timeout-ms=300"
            out = launch_ok(f"{base} password=s3cret")
            self.assertEqual(parse_stats(out)["redissink0"]["published-analytics"], 20)
            for password, reason in (("wrong", "WRONGPASS"), ("", "NOAUTH")):
                arg = f" password={password}" if password else ""
                out = launch_ok(base + arg)
                self.assertRegex(out, r"WARNING: .*unreachable")
                self.assertIn(reason, out)
                stats = parse_stats(out)["redissink0"]
                assert_accounted(self, stats, {"analytics": 20})
                self.assertEqual(stats["dropped-analytics"], 20)

    def test_unreachable_host(self):
        """A host that never answers (TEST-NET-1): connect-timeout-ms bounds each attempt,
        the run ends, everything is dropped."""
        out = launch_ok(f"{TESTSRC.format(n=20)} ! redissink host=192.0.2.1 "
                        "connect-timeout-ms=300 drain-timeout-ms=300")
        self.assertRegex(out, r"WARNING: .*redis at 192\.0\.2\.1:6379 unreachable")
        assert_accounted(self, parse_stats(out)["redissink0"], {"analytics": 20})


if __name__ == "__main__":
    unittest.main()

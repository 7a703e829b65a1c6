"""roadwatch-run with pipelines/file.pipeline and live.pipeline, a real redis-server and an RTSP
test server: status hash, end of file, reconnects, live config, SIGTERM, bad variables.

Model runs are kept short with yolodetect's interval (the real model takes ~130 ms a frame).
"""
import json
import os
import signal
import subprocess
import time
import unittest

import cv2
import numpy as np

import rwtest
from rwtest import eventually

RUNNER = os.environ.get("RW_RUN", os.path.join(rwtest.SOURCE_DIR, "build", "tools", "run",
                                               "roadwatch-run"))
RTSP_SERVER = os.environ.get("RW_RTSP_SERVER", os.path.join(
    rwtest.SOURCE_DIR, "build", "tests", "rtsp", "rw-rtsp-test-server"))
PIPELINES = os.path.join(rwtest.SOURCE_DIR, "pipelines")
CLIP = "highway-640x360.mp4"
CLIP_FRAMES = 341

# Every zone and line of the new config, in the clip's pixels.
NEW_ZONES = json.dumps({"zones": [{"name": "all", "polygon": [[0, 0], [640, 0], [640, 360],
                                                              [0, 360]]}],
                        "lines": [{"name": "mid", "points": [[0, 180], [640, 180]]}]})
# World coordinates = pixel-centre coordinates, so positions are checkable from the boxes.
PIXEL_CALIBRATION = json.dumps({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]})
# roadwatch-run's n-th rebuild numbers its tracks from n * TRACK_IDS_PER_BUILD + 1.
TRACK_IDS_PER_BUILD = 1_000_000_000


def still_stream(frame_number):
    """An rw-rtsp-test-server --launch that streams one frame of CLIP live at 15 fps: the same
    vehicles on every frame, so every pipeline built on it has tracks."""
    capture = cv2.VideoCapture(rwtest.asset("media", CLIP))
    capture.set(cv2.CAP_PROP_POS_FRAMES, frame_number)
    ok, frame = capture.read()
    capture.release()
    assert ok, f"cannot read frame {frame_number} of {CLIP}"
    path = os.path.join(rwtest.scratch_dir(), "still.png")
    cv2.imwrite(path, frame)
    return (f'( filesrc location="{path}" ! pngdec ! videoconvert ! imagefreeze is-live=true ! '
            "video/x-raw,framerate=15/1 ! videoconvert ! x264enc tune=zerolatency "
            "speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 "
            "config-interval=1 )")


def track_ids(records):
    return {o["track_id"] for r in records for o in r["objects"] if "track_id" in o}


class RtspServer:
    """rw-rtsp-test-server on a fixed port, streaming `launch` (the server's moving ball by
    default): start() waits for "ready"; kill() is kill -9."""

    def __init__(self, launch=None):
        self.launch = launch
        self.port = rwtest.free_port()
        self.uri = f"rtsp://127.0.0.1:{self.port}/test"
        self.log_path = os.path.join(rwtest.scratch_dir(), "rtsp.log")
        self.proc = None

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def start(self, timeout=20):
        with open(self.log_path, "w") as log:
            launch = ["--launch", self.launch] if self.launch else []
            self.proc = subprocess.Popen([RTSP_SERVER, "--port", str(self.port), *launch],
                                         env=rwtest.gst_env(), stdout=log,
                                         stderr=subprocess.STDOUT)
        try:
            eventually(lambda: self.log().startswith("ready") or self.proc.poll() is not None,
                       timeout, "RTSP test server ready")
        finally:
            if not self.log().startswith("ready"):
                self.kill()
        if not self.log().startswith("ready"):
            raise AssertionError(f"RTSP test server did not start: {self.log()}")
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Runner:
    """A roadwatch-run child with its output in a file."""

    def __init__(self, template, variables, *options):
        self.log_path = os.path.join(rwtest.scratch_dir(), "runner.log")
        args = [RUNNER, "--template", os.path.join(PIPELINES, template), *options]
        for key, value in variables.items():
            args += ["--set", f"{key}={value}"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, env=rwtest.gst_env(), stdout=log,
                                         stderr=subprocess.STDOUT)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"roadwatch-run still running after {timeout} s:\n{self.log()}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_cli(*args, timeout=60):
    return subprocess.run([RUNNER, *args], env=rwtest.gst_env(), capture_output=True, text=True,
                          timeout=timeout)


class RunnerTest(unittest.TestCase):
    def setUp(self):
        rwtest.require_plugin()
        self.redis = rwtest.RedisServer().start()
        self.addCleanup(self.redis.kill)
        self.db = self.redis.client()

    def variables(self, source_id, **extra):
        return {"SOURCE_ID": source_id, "MODEL": rwtest.asset("model", "yolox_nano.onnx"),
                "CALIBRATION": os.path.join(PIPELINES, "calibration", "highway-640x360.json"),
                "ZONES": os.path.join(PIPELINES, "zones", "highway-640x360.json"),
                "REDIS_PORT": str(self.redis.port), **extra}

    def file_runner(self, source_id, *options, **extra):
        runner = Runner("file.pipeline", self.variables(
            source_id, INPUT=rwtest.asset("media", CLIP), **extra), *options)
        self.addCleanup(runner.kill)
        return runner

    def status(self, source_id):
        raw = self.db.hgetall(f"roadwatch:{source_id}:status")
        return {k.decode(): v.decode() for k, v in raw.items()}

    def records(self, source_id):
        return [json.loads(fields[b"json"]) for _, fields in
                self.db.xrange(f"roadwatch:{source_id}:analytics")]

    def test_file_run_ends_stopped_with_every_frame(self):
        """End of file: exit 0, status stopped with every frame, one record per frame, no JPEG
        work while nobody watches."""
        runner = self.file_runner("file", INTERVAL="4")
        self.assertEqual(runner.wait(240), 0, runner.log())
        status = self.status("file")
        self.assertEqual(status["state"], "stopped", status)
        self.assertEqual(status["reason"], "end of stream")
        self.assertEqual(int(status["frames"]), CLIP_FRAMES)
        self.assertEqual((status["errors"], status["warnings"], status["restarts"]),
                         ("0", "0", "0"))
        self.assertGreater(float(status["fps"]), 0)
        self.assertGreater(float(status["latency_ms"]), 0)
        self.assertLessEqual(abs(int(status["updated_ms"]) - time.time() * 1000), 60_000)
        self.assertTrue(0 < self.db.pttl("roadwatch:file:status") <= 10_000)
        records = self.records("file")
        self.assertEqual([r["frame_number"] for r in records], list(range(CLIP_FRAMES)))
        self.assertTrue(all(r["schema"] == "roadwatch/1" and r["source_id"] == "file"
                            for r in records))
        self.assertTrue(any(r["objects"] for r in records))
        self.assertIn("count", records[0]["stats"]["line_counts"])
        self.assertEqual(self.db.xlen("roadwatch:file:frames"), 0, "the gate stayed closed")

    def test_live_config_applies_while_running(self):
        """New zones, speed limit and calibration apply on the next frames without a restart;
        a bad version is a warning and the previous config stays. Viewers get JPEG frames;
        speeding events carry RUN_ID and a JPEG snapshot of their frame."""
        self.db.set("roadwatch:cfg:viewers", 1, ex=120)
        runner = self.file_runner("cfg", "--config-interval-ms", "100", INTERVAL="2",
                                  RUN_ID="31")
        eventually(lambda: self.db.xlen("roadwatch:cfg:analytics") >= 10, 120, "first records")
        self.db.hset("roadwatch:cfg:config", mapping={
            "zones": NEW_ZONES, "speed_limit": "5", "calibration": PIXEL_CALIBRATION,
            "version": "1"})
        eventually(lambda: self.status("cfg").get("config_version") == "1", 20, "version 1")
        applied_at = self.db.xlen("roadwatch:cfg:analytics")
        self.db.hset("roadwatch:cfg:config", mapping={"zones": "{\"zones\": [", "version": "2"})
        status = eventually(lambda: "version 2 rejected" in self.status("cfg")["last_error"]
                            and self.status("cfg"), 20, "version 2 rejected")
        self.assertEqual(status["config_version"], "1")
        self.assertEqual(status["warnings"], "1", "version 1 loaded without element warnings")
        self.assertIn("zones", status["last_error"])
        self.assertEqual(runner.wait(240), 0, runner.log())
        self.assertLess(applied_at, CLIP_FRAMES - 60, "the clip ended too soon to tell")

        records = self.records("cfg")
        self.assertEqual(len(records), CLIP_FRAMES)
        self.assertEqual(set(records[0]["stats"]["line_counts"]), {"count"})
        late = records[applied_at + 30:]
        for record in late:
            self.assertEqual(set(record["stats"]["line_counts"]), {"mid"}, record["frame_number"])
            for obj in record["objects"]:
                self.assertEqual(obj["zones"], ["all"])
        speeding = [e for r in late for e in r["events"] if e["type"] == "speeding"]
        self.assertTrue(speeding)
        self.assertTrue(all(e["limit_kmh"] == 5 for e in speeding))
        # Positions through the pixel calibration: the box's bottom centre, on inferred frames
        # (interval 2) away from the frame edges, within the few pixels the robust fit over
        # the speed window moves it (measured: median 0.5, max 3.4). Through the clip's own
        # calibration they would be metres, hundreds of pixels off.
        checked = 0
        for record in late:
            if record["frame_number"] % 3:
                continue
            for obj in record["objects"]:
                b = obj["bbox"]
                if "world" not in obj or b["x"] < 0.01 or b["x"] + b["w"] > 0.99 \
                        or b["y"] + b["h"] > 0.99:
                    continue
                self.assertAlmostEqual(obj["world"]["x"], (b["x"] + b["w"] / 2) * 640 - 0.5,
                                       delta=6)
                self.assertAlmostEqual(obj["world"]["y"], (b["y"] + b["h"]) * 360 - 0.5,
                                       delta=6)
                checked += 1
        self.assertGreater(checked, 20)
        self.assertGreater(self.db.xlen("roadwatch:cfg:frames"), 0, "a viewer gets frames")
        entries = [fields for _, fields in self.db.xrange("roadwatch:events")]
        self.assertEqual({f[b"run_id"] for f in entries}, {b"31"})
        snapshots = [f[b"jpeg"] for f in entries if json.loads(f[b"json"])["type"] == "speeding"
                     and b"jpeg" in f]
        self.assertTrue(snapshots, "speeding events come with a snapshot")
        for jpeg in snapshots:
            image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            self.assertEqual(image.shape, (360, 640, 3))

    def test_unconfigured_source_until_the_config_comes(self):
        """What the server starts before anyone configured the source: no CALIBRATION, no ZONES.
        It runs, one warning says it is uncalibrated, records carry no positions or speeds,
        every vehicle is counted once; then a calibration and zones from the config hash start
        speeds and zone events without a restart, and each exit carries the mean of the
        speeds its track had inside the zone."""
        runner = Runner("file.pipeline", {
            "SOURCE_ID": "new", "MODEL": rwtest.asset("model", "yolox_nano.onnx"),
            "INPUT": rwtest.asset("media", CLIP), "REDIS_PORT": str(self.redis.port),
            "RUN_ID": "8", "INTERVAL": "2"}, "--config-interval-ms", "100")
        self.addCleanup(runner.kill)
        eventually(lambda: self.db.xlen("roadwatch:new:analytics") >= 60, 120, "first records")
        self.db.hset("roadwatch:new:config", mapping={
            "zones": NEW_ZONES, "calibration": PIXEL_CALIBRATION, "version": "1"})
        eventually(lambda: self.status("new").get("config_version") == "1", 20, "version 1")
        applied_at = self.db.xlen("roadwatch:new:analytics")
        self.assertEqual(runner.wait(240), 0, runner.log())
        self.assertLess(applied_at, CLIP_FRAMES - 60, "the clip ended too soon to tell")

        status = self.status("new")
        self.assertEqual(status["state"], "stopped", status)
        self.assertEqual((status["errors"], status["warnings"]), ("0", "1"))
        self.assertIn("No calibration (calibration=none)", status["last_error"])
        records = self.records("new")
        self.assertEqual(len(records), CLIP_FRAMES)
        before = records[:applied_at - 5]
        self.assertTrue(any(r["objects"] for r in before))
        for record in before:
            self.assertEqual(record["events"], [], record["frame_number"])
            self.assertEqual(record["stats"]["current_in_roi"], 0)
            self.assertEqual(record["stats"]["line_counts"], {})
            for obj in record["objects"]:
                self.assertNotIn("speed_kmh", obj)
                self.assertNotIn("world", obj)
                self.assertEqual(obj["zones"], [])
        counted = before[-1]["stats"]
        self.assertGreater(counted["total_vehicles"], 0, "vehicles count without zones")
        self.assertEqual(sum(counted["by_class"].values()), counted["total_vehicles"])

        late = records[applied_at + 30:]
        self.assertTrue(any("speed_kmh" in o for r in late for o in r["objects"]))
        events = [e for r in records for e in r["events"]]
        self.assertTrue(any(e["type"] == "enter" for e in events))
        self.assertEqual({f[b"run_id"] for _, f in self.db.xrange("roadwatch:events")}, {b"8"})
        # Each exit's speed_kmh is the mean of its track's speeds over the frames of its stay
        # (the records say which frames it was in the zone, and at what speed, to 0.01).
        checked = 0
        for exit_event in (e for e in events if e["type"] == "exit"):
            track = exit_event["track_id"]
            if sum(e["type"] == "enter" and e["track_id"] == track for e in events) != 1:
                continue
            enter = next(e for e in events if e["type"] == "enter" and e["track_id"] == track)
            speeds = [o["speed_kmh"] for r in records[enter["frame_number"]:
                                                      exit_event["frame_number"] + 1]
                      for o in r["objects"] if o.get("track_id") == track
                      and o["zones"] == ["all"] and "speed_kmh" in o]
            if not speeds:
                self.assertNotIn("speed_kmh", exit_event)
                continue
            self.assertAlmostEqual(exit_event["speed_kmh"], sum(speeds) / len(speeds),
                                   delta=0.011)
            checked += 1
        self.assertGreater(checked, 3)

    def test_sigterm_stops_cleanly(self):
        """SIGTERM mid-file: the stream ends (every frame that entered is published), exit 0,
        status stopped."""
        runner = self.file_runner("term", INTERVAL="4")
        eventually(lambda: int(self.status("term").get("frames", 0)) > 20, 120, "frames")
        runner.proc.send_signal(signal.SIGTERM)
        self.assertEqual(runner.wait(60), 0, runner.log())
        status = self.status("term")
        self.assertEqual(status["state"], "stopped")
        self.assertEqual(status["reason"], "stopped by SIGTERM")
        frames = int(status["frames"])
        self.assertLess(frames, CLIP_FRAMES)
        self.assertEqual(self.db.xlen("roadwatch:term:analytics"), frames)
        summary = [e for r in self.records("term")[-1:] for e in r["events"]
                   if e["type"] == "end_of_stream"]
        self.assertEqual(len(summary), 1, "the last record carries the end of stream")

    def test_rtsp_source_restarts(self):
        """The RTSP server dies and comes back: reconnecting with the reason, then running again
        with frames still counting up and track ids from 10^9 + 1 (never those of the first
        pipeline); SIGTERM then stops it cleanly."""
        server = RtspServer(still_stream(100)).start()
        self.addCleanup(server.kill)
        runner = Runner("live.pipeline", self.variables("cam", URI=server.uri, INTERVAL="4"),
                        "--stall-timeout-s", "5", "--backoff-initial-ms", "500",
                        "--status-interval-ms", "200")
        self.addCleanup(runner.kill)
        eventually(lambda: self.status("cam").get("state") == "running"
                   and int(self.status("cam")["frames"]) > 5, 90, "running")
        eventually(lambda: track_ids(self.records("cam")), 60, "tracks before the rebuild")
        server.kill()
        down = eventually(lambda: self.status("cam").get("state") == "reconnecting"
                          and self.status("cam"), 30, "reconnecting")
        self.assertTrue(down["reason"], down)
        self.assertEqual(down["reason"], down["last_error"])
        frames_before = int(down["frames"])
        records_before = self.db.xlen("roadwatch:cam:analytics")  # the old pipeline is gone
        server.start()
        up = eventually(lambda: self.status("cam").get("state") == "running"
                        and int(self.status("cam")["frames"]) > frames_before + 5
                        and self.status("cam"), 90, "running again")
        self.assertGreaterEqual(int(up["restarts"]), 1)
        self.assertGreaterEqual(int(up["errors"]), 1)
        self.assertEqual(up["reason"], "")
        eventually(lambda: track_ids(self.records("cam")[records_before:]), 60,
                   "tracks after the rebuild")
        self.assertIsNone(runner.proc.poll(), "the runner never exits on a source failure")
        runner.proc.send_signal(signal.SIGTERM)
        self.assertEqual(runner.wait(60), 0, runner.log())
        self.assertEqual(self.status("cam")["state"], "stopped")
        records = self.records("cam")
        before, after = track_ids(records[:records_before]), track_ids(records[records_before:])
        self.assertLess(max(before), TRACK_IDS_PER_BUILD, before)
        self.assertGreaterEqual(min(after), TRACK_IDS_PER_BUILD + 1, after)

    def test_failures_are_reported(self):
        """A template that cannot be built, or one without the elements the runner counts at:
        exit 1, status failed with the reason."""
        rc_bad_value = Runner("file.pipeline", self.variables(
            "bad", INPUT=rwtest.asset("media", CLIP), INTERVAL="often")).wait(60)
        status = self.status("bad")
        self.assertEqual(rc_bad_value, 1)
        self.assertEqual(status["state"], "failed")
        self.assertIn("interval", status["reason"])
        self.assertIn("often", status["reason"])

        template = os.path.join(rwtest.scratch_dir(), "plain.pipeline")
        with open(template, "w") as f:
            f.write("videotestsrc num-buffers=${FRAMES} ! fakesink name=${SINK:-out}\n")
        proc = run_cli("--template", template, "--set", "FRAMES=3", "--set", "SOURCE_ID=plain",
                       "--set", f"REDIS_PORT={self.redis.port}")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("no element named 'detect'", proc.stderr)
        self.assertEqual(self.status("plain")["state"], "failed")

    def test_bad_variables_exit_2(self):
        """Unknown and missing template variables, and bad options: exit 2 with a message
        naming each problem, nothing started."""
        proc = run_cli("--template", os.path.join(PIPELINES, "file.pipeline"),
                       "--set", "SOURCE_ID=x", "--set", "INPTU=clip.mp4", "--set", "MODEL=m")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown variable INPTU", proc.stderr)
        self.assertIn("missing variable INPUT", proc.stderr)
        for optional in ("CALIBRATION", "ZONES", "RUN_ID"):  # default none / empty
            self.assertNotIn(f"missing variable {optional}", proc.stderr)
        self.assertNotIn("missing variable MODEL", proc.stderr)
        self.assertNotIn("missing variable INTERVAL", proc.stderr, "it has a default")

        for args, message in [
                (["--set", "A=1"], "--template FILE is required"),
                (["--template", "/nonexistent.pipeline"], "cannot read the template"),
                (["--template", os.path.join(PIPELINES, "file.pipeline"), "--stall-timeout-s",
                  "soon"], "'soon'")]:
            proc = run_cli(*args)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn(message, proc.stderr)
        self.assertEqual(self.db.keys("*"), [], "nothing reported for a run that never started")


if __name__ == "__main__":
    unittest.main()

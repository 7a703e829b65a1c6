"""The web dashboard end to end: headless Chromium (web/e2e/dashboard.e2e.mjs, playwright-core)
drives the pages served by a real roadwatch-server (--web-root web/dist) with real Redis and
PostgreSQL while the sample clip plays: upload, calibration and ROI saved while running, live
view, history, keyboard reach, phone width. Then the database must hold what the UI did.
Screenshots and the browser side's summary.json land in BUILD/test-artifacts/dashboard.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import unittest

import rwserver
from rwserver import BUILD_DIR, CALIBRATION_FILE, SOURCE_DIR, ZONES_FILE, eventually

WEB_DIST = os.path.join(SOURCE_DIR, "web", "dist")
E2E_SCRIPT = os.path.join(SOURCE_DIR, "web", "e2e", "dashboard.e2e.mjs")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(BUILD_DIR, "test-artifacts", "dashboard")
E2E_TIMEOUT_S = 420
HARNESS_PREFIX = "RW_E2E_HARNESS "
# What the e2e typed and clicked (dashboard.e2e.mjs): a rectangle of 7.3 m × 54 m and an ROI
# in the empty top-left corner. Clicks land on whole CSS pixels of a scaled canvas.
TYPED_RECT_M = (7.3, 54.0)
EMPTY_ROI_PX = [[2, 2], [60, 2], [60, 40], [2, 40]]
CLICK_TOLERANCE_PX = 1.5


def _require_tools():
    """The browser side's prerequisites; missing ones fail the test (never a silent skip)."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (Chromium)")
    if shutil.which("node") is None:
        missing.append("node")
    if not os.path.isdir(os.path.join(SOURCE_DIR, "web", "node_modules", "playwright-core")):
        missing.append("web/node_modules/playwright-core (scripts/build-web.sh installs it)")
    if missing:
        raise AssertionError(f"missing {', '.join(missing)}: run scripts/setup.sh, then "
                             "scripts/build.sh")
    for name in ("index.html", "app.js", "styles.css"):
        if not os.path.isfile(os.path.join(WEB_DIST, name)):
            raise AssertionError(f"no {WEB_DIST}/{name}: build the dashboard with "
                                 "scripts/build.sh (or scripts/build-web.sh)")


class DashboardTest(unittest.TestCase):
    def setUp(self):
        _require_tools()
        self.pg, self.redis, self.server = rwserver.start_stack(self.addCleanup,
                                                                "--web-root", WEB_DIST)
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        os.makedirs(ARTIFACTS)

    def run_browser(self):
        env = dict(os.environ,
                   RW_E2E_BASE_URL=f"http://{self.server.host}:{self.server.port}",
                   RW_E2E_ARTIFACTS=ARTIFACTS,
                   RW_E2E_CLIP=rwserver.rwtest.asset("media", rwserver.CLIP),
                   RW_E2E_CALIBRATION=CALIBRATION_FILE,
                   RW_E2E_ZONES=ZONES_FILE)
        sys.stdout.flush()
        # Its output streams into this test's (progress lines, the failure reason); its
        # requests to kill and start the server come as lines on the same stream.
        proc = subprocess.Popen(["node", E2E_SCRIPT], cwd=os.path.join(SOURCE_DIR, "web"),
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1)
        timed_out = threading.Event()

        def expire():
            timed_out.set()
            proc.kill()
        watchdog = threading.Timer(E2E_TIMEOUT_S, expire)
        watchdog.start()
        try:
            for line in proc.stdout:
                print(line, end="", flush=True)
                if line.startswith(HARNESS_PREFIX):
                    self.serve_request(line[len(HARNESS_PREFIX):].strip(), proc.stdin)
            rc = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if timed_out.is_set():
            rc = f"killed after {E2E_TIMEOUT_S} s"
        if rc != 0:
            self.fail(f"dashboard.e2e.mjs failed ({rc}); screenshots and summary.json in "
                      f"{ARTIFACTS}\n{self.server.log_tail()}")
        with open(os.path.join(ARTIFACTS, "summary.json")) as f:
            return json.load(f)

    def serve_request(self, request, answer_to):
        """The browser side's reconnect step: kill -9 the server, later start it again (same
        port, same data)."""
        if request == "kill-server":
            self.server.kill9()
        elif request == "start-server":
            self.server.start()
            self.server.wait_ready()
        else:
            raise AssertionError(f"dashboard.e2e.mjs asked for {request!r}")
        answer_to.write(f"{request} done\n")
        answer_to.flush()

    def test_dashboard(self):
        summary = self.run_browser()
        sid = summary["source_id"]
        figures = dict(summary["analytics"], speeding_events=len(summary["analytics"]
                                                                  ["speeding_events"]))
        print(f"e2e figures: {json.dumps(figures)}")
        self.check_source_settings(sid, summary)
        self.check_violations(sid, summary)
        kind, uri = self.pg.query("SELECT kind, uri FROM sources WHERE id = %s",
                                  (summary["camera_id"],))[0]
        self.assertEqual((kind, uri), ("camera", "rtsp://127.0.0.1:9/none"))
        self.assertEqual(self.pg.query("SELECT count(*) FROM sessions WHERE source_id = %s",
                                       (summary["camera_id"],))[0][0], 0,
                         "the registered camera was never started")

    def check_source_settings(self, sid, summary):
        """The row holds exactly what the API answered after the UI's save, and that is the
        rectangle and ROI the e2e drew."""
        name, calibration, roi, limit = self.pg.query(
            "SELECT name, calibration, roi, speed_limit_kmh FROM sources WHERE id = %s",
            (sid,))[0]
        self.assertEqual(name, "e2e highway")
        self.assertEqual(limit, 130)
        self.assertEqual(roi, summary["saved_roi"])
        self.assertEqual(calibration, summary["saved_calibration"])

        polygon = roi["roi_polygon"]
        self.assertEqual(len(polygon), len(EMPTY_ROI_PX), polygon)
        for got, want in zip(polygon, EMPTY_ROI_PX):
            self.assertLessEqual(math.dist(got, want), CLICK_TOLERANCE_PX, polygon)

        image, world = calibration["image_points"], calibration["world_points"]
        self.assertEqual(len(image), 4, calibration)
        for got, want in zip(image, summary["calibration_clicks_px"]):
            self.assertLessEqual(math.dist(got, want), CLICK_TOLERANCE_PX, calibration)
        # Near-left, near-right, far-right, far-left: sides of the typed width and length,
        # whatever origin the page gives the rectangle.
        sides = [math.dist(world[i], world[(i + 1) % 4]) for i in range(4)]
        want_sides = [TYPED_RECT_M[0], TYPED_RECT_M[1], TYPED_RECT_M[0], TYPED_RECT_M[1]]
        for got, want in zip(sides, want_sides):
            self.assertAlmostEqual(got, want, places=6, msg=f"world points {world}")

    def check_violations(self, sid, summary):
        """Every speeding event the browser saw is a row, and those of vehicles on their
        reporting frame carry a JPEG snapshot."""
        events = summary["analytics"]["speeding_events"]
        self.assertGreater(len(events), 0)

        def rows():
            got = self.pg.query("SELECT track_id, frame_number, snapshot FROM "
                                "speeding_violations WHERE source_id = %s", (sid,))
            return got if len(got) >= len(events) else None
        got = eventually(rows, 30, f"{len(events)} speeding_violations rows",
                         self.server.log_tail)
        self.assertEqual(sorted((r[0], r[1]) for r in got),
                         sorted((e["track_id"], e["frame_number"]) for e in events))
        snapshots = [bytes(r[2]) for r in got if r[2] is not None]
        self.assertGreater(len(snapshots), 0, "no violation with a snapshot")
        for jpeg in snapshots:
            self.assertTrue(rwserver.is_jpeg(jpeg), jpeg[:8])


if __name__ == "__main__":
    unittest.main()

"""roadwatch-calibrate end to end: a synthetic frame seen through a known homography, the
calibration file it writes, its error exits, and the calibrations shipped in pipelines/."""
import json
import os
import re
import subprocess
import unittest

import cv2
import numpy as np

import rwtest

CLI = os.environ.get("RW_CALIBRATE",
                     os.path.join(rwtest.SOURCE_DIR, "build", "tools", "calibrate",
                                  "roadwatch-calibrate"))

# Ground (x, y) metres -> 640x360 image pixels: a camera looking down a road, horizon at v = 40.
WORLD_TO_IMAGE = np.array([[400.0, 320.0, 320.0 * 12],
                           [0.0, 40.0, 40.0 * 12 + 400.0 * 8],
                           [0.0, 1.0, 12.0]])
IMAGE_TO_WORLD = np.linalg.inv(WORLD_TO_IMAGE)
IMAGE_TO_WORLD /= IMAGE_TO_WORLD[2, 2]
WORLD_POINTS = [(-3.5, 0), (3.5, 0), (-3.5, 30), (3.5, 30), (0, 12), (0, 45)]


def to_image(x, y):
    u, v, w = WORLD_TO_IMAGE @ np.array([x, y, 1.0])
    return u / w, v / w


def run(*args):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def printed_homography(stdout):
    rows = re.findall(r"^\s*\[([^\]]+)\]\s*$", stdout, re.M)[:3]
    return np.array([[float(x) for x in row.split(",")] for row in rows])


def printed_rms(stdout):
    m = re.search(r"RMS reprojection error: ([0-9.]+) px, ([0-9.]+) m", stdout)
    return float(m.group(1)), float(m.group(2))


class CalibrateCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = rwtest.scratch_dir()
        cls.frame = os.path.join(cls.dir, "frame.png")
        image = np.full((360, 640, 3), 90, np.uint8)
        cv2.imwrite(cls.frame, image)
        cls.pairs = []
        for x, y in WORLD_POINTS:
            u, v = to_image(x, y)
            cls.pairs += ["--pair", f"{u!r},{v!r}={x!r},{y!r}"]

    def test_fits_the_known_homography(self):
        """The printed homography is the known image->world one; the error is nil."""
        rc, out, err = run("--frame", self.frame, *self.pairs)
        self.assertEqual(rc, 0, err)
        np.testing.assert_allclose(printed_homography(out), IMAGE_TO_WORLD, rtol=1e-6,
                                   atol=1e-9)
        rms_px, rms_m = printed_rms(out)
        self.assertLess(rms_px, 1e-3)
        self.assertLess(rms_m, 1e-3)
        self.assertEqual(len(re.findall(r"^\s+\d+\s+-?[0-9.]+,", out, re.M)), len(WORLD_POINTS))

    def test_written_file_round_trips(self):
        """--write gives pairs + homography; read back with --points it prints the same fit."""
        path = os.path.join(self.dir, "calib.json")
        rc, out, err = run("--frame", self.frame, *self.pairs, "--write", path)
        self.assertEqual(rc, 0, err)
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual(set(doc), {"image_points", "world_points", "homography"})
        self.assertEqual([tuple(p) for p in doc["world_points"]], WORLD_POINTS)
        np.testing.assert_allclose(doc["homography"], IMAGE_TO_WORLD, rtol=1e-6, atol=1e-9)
        rc, again, err = run("--frame", self.frame, "--points", path)
        self.assertEqual(rc, 0, err)
        self.assertIn("as given in the file", again)
        np.testing.assert_array_equal(printed_homography(again), printed_homography(out))

    def test_check_image_draws_the_grid(self):
        """The check image has the frame's size and the x = 0 line up the middle column."""
        path = os.path.join(self.dir, "check.png")
        rc, _, err = run("--frame", self.frame, *self.pairs, "--check-image", path,
                         "--grid-m", "3.5,10")
        self.assertEqual(rc, 0, err)
        check = cv2.imread(path)
        self.assertEqual(check.shape, (360, 640, 3))
        # x = 0 is the column u = 320 from the frame bottom up towards the horizon (v = 40).
        column = check[120:360, 320].astype(int)
        drawn = np.any(np.abs(column - 90) > 30, axis=1)
        self.assertGreater(drawn.mean(), 0.8)

    def test_errors_exit_non_zero_with_a_message(self):
        missing = os.path.join(self.dir, "missing.png")
        not_image = os.path.join(self.dir, "not-an-image.png")
        with open(not_image, "w") as f:
            f.write("text")
        bad_json = os.path.join(self.dir, "bad.json")
        with open(bad_json, "w") as f:
            f.write("{ not json")
        four_on_a_line = []
        for y in (0, 10, 20, 30):
            u, v = to_image(0, y)
            four_on_a_line += ["--pair", f"{u},{v}=0,{y}"]
        cases = [
            (["--frame", missing, *self.pairs], 1, "cannot read an image"),
            (["--frame", not_image, *self.pairs], 1, "cannot read an image"),
            (["--frame", self.frame, "--pair", "10,20=1"], 2, "expected u,v=x,y"),
            (["--frame", self.frame, *self.pairs[:6]], 1, "at least 4"),
            (["--frame", self.frame, *four_on_a_line], 1, "collinear"),
            (["--frame", self.frame, "--points", missing], 1, "cannot open"),
            (["--frame", self.frame, "--points", bad_json], 1, "malformed JSON"),
            ([*self.pairs], 2, "--frame is required"),
            (["--frame", self.frame, *self.pairs, "--grid-m", "0"], 2, "--grid-m"),
            (["--frame", self.frame, *self.pairs, "--bogus", "1"], 2, "unknown option"),
        ]
        for args, status, message in cases:
            rc, out, err = run(*args)
            self.assertEqual(rc, status, f"{args}: {out}{err}")
            self.assertIn(message, err, args)

    def test_help(self):
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("usage: roadwatch-calibrate", out)


class ShippedCalibrations(unittest.TestCase):
    """pipelines/calibration/*.json load and fit their clips as the README says."""

    RMS_PX_AT_MOST = {"highway-640x360": 4.0, "highway-1280x720": 2.0}

    def test_each_calibration_fits_its_clip(self):
        for name, bound_px in self.RMS_PX_AT_MOST.items():
            capture = cv2.VideoCapture(rwtest.asset("media", name + ".mp4"))
            ok, image = capture.read()
            self.assertTrue(ok, name)
            frame = os.path.join(rwtest.scratch_dir(), name + ".png")
            cv2.imwrite(frame, image)
            calib = os.path.join(rwtest.SOURCE_DIR, "pipelines", "calibration", name + ".json")
            rc, out, err = run("--frame", frame, "--points", calib)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("outside", err)
            rms_px, _ = printed_rms(out)
            self.assertLess(rms_px, bound_px, name)


if __name__ == "__main__":
    unittest.main()

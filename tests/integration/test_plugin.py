"""The built libgstroadwatch.so loads through GST_PLUGIN_PATH and documents every property."""
import re
import subprocess
import unittest

import rwtest

ELEMENTS = {
    "yolodetect": ["model-file", "label-file", "model-type", "score-threshold", "iou-threshold",
                   "classes", "interval", "device", "threads", "check-truncation"],
    "deepsorttrack": ["max-age", "n-init", "max-iou-distance", "max-cosine-distance",
                      "nn-budget", "high-threshold", "low-threshold", "nms-max-overlap",
                      "appearance", "reid-model-file", "output-tentative", "appearance-ms"],
    "homographyspeed": ["calibration-file", "calibration", "window-ms", "min-span-ms",
                        "box-error-px", "units", "reprojection-error-px",
                        "reprojection-error-m"],
    "metaconvert": ["source-id"],
    "redissink": ["host", "port", "password", "source-id", "key-prefix", "maxlen",
                  "frames-maxlen", "events-maxlen", "queue-size", "queue-max-bytes",
                  "connect-timeout-ms", "command-timeout-ms", "drain-timeout-ms",
                  "published-frames", "published-analytics", "published-events",
                  "dropped-frames", "dropped-analytics", "dropped-events", "connected"],
    "roianalytics": ["zones-file", "zones", "hysteresis-px", "speed-limit", "units",
                     "drop-outside", "track-timeout-ms"],
    "trafficoverlay": ["show-labels", "show-confidence", "show-speed", "line-thickness",
                       "zones-file", "zones", "silent"],
    "viewergate": ["host", "port", "password", "source-id", "key-prefix", "poll-interval-ms",
                   "force-open", "open", "passed", "dropped"],
}


def inspect(*args):
    proc = subprocess.run(["gst-inspect-1.0", *args], env=rwtest.gst_env(), capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


class Plugin(unittest.TestCase):
    def test_plugin_lists_its_elements(self):
        """gst-inspect-1.0 roadwatch loads the module and lists exactly its four elements."""
        rc, out = inspect("roadwatch")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("CRITICAL", out)
        self.assertRegex(out, r"Filename\s+.*libgstroadwatch\.so")
        for element in ELEMENTS:
            self.assertRegex(out, rf"\n\s*{element}: ")
        self.assertIn(f"{len(ELEMENTS)} elements", out)

    def test_every_property_is_documented(self):
        """Each element lists its properties, each with a description line under it."""
        for element, properties in ELEMENTS.items():
            rc, out = inspect(element)
            self.assertEqual(rc, 0, out)
            for name in properties:
                # gst-inspect pads names to 20 columns: longer ones have no space before the colon.
                match = re.search(rf"\n  {re.escape(name)}\s*: (.+)\n", out)
                self.assertIsNotNone(match, f"{element} has no property {name}")
                self.assertGreater(len(match.group(1)), 15, f"{element}:{name} undocumented")

    def test_yolodetect_defaults(self):
        """The documented defaults: vehicle classes, 0.3 score, 0.45 IoU, auto device, QoS off."""
        _, out = inspect("yolodetect")
        self.assertIn('Default: "car,motorcycle,bus,truck"', out)
        self.assertRegex(out, r"score-threshold[\s\S]*?Default:\s+0\.3\b")
        self.assertRegex(out, r"iou-threshold[\s\S]*?Default:\s+0\.45\b")
        self.assertRegex(out, r"device[\s\S]*?Default: 0, \"auto\"")
        # Analytics see every frame: no frames dropped for lateness unless asked for.
        self.assertRegex(out, r"qos[\s\S]*?Default: false")


if __name__ == "__main__":
    unittest.main()

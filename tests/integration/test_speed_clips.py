"""pipelines/speed-file.sh on both real highway clips, against line crossings counted by eye.

The crossings of each clip's `count` line were counted by eye from a line-scan image of every
frame, each checked in frame crops (method and vehicle list in pipelines/zones/README.md).
Direction "forward" is traffic moving away from the camera, "backward" traffic approaching.
An element crossing matches an eye crossing of the same direction within MATCH_FRAMES frames
(the eye reading is +-3 frames; the element counts a crossing once the anchor is hysteresis-px
past the line, a few frames later for slow-moving image points).

Known limit, kept visible here: on highway-1280x720 the opposite carriageway (moving away,
upper right) is far from the camera; its vehicles are about 8 px tall at YOLOX-Nano's 416x416
input and are mostly not detected, so that direction is only checked for not overcounting.
"""
import collections
import os
import subprocess
import unittest

import cv2

import rwtest

MATCH_FRAMES = 8

EYE_CROSSINGS = {  # clip: [(frame, direction), ...] from pipelines/zones/README.md
    "highway-640x360.mp4": [
        (53, "forward"), (97, "forward"), (123, "backward"), (152, "forward"),
        (173, "forward"), (291, "forward"), (308, "forward")],
    "highway-1280x720.mp4": [
        # main carriageway, approaching (24, one a motorcycle at frame 198)
        (9, "backward"), (30, "backward"), (31, "backward"), (60, "backward"),
        (78, "backward"), (96, "backward"), (127, "backward"), (139, "backward"),
        (158, "backward"), (163, "backward"), (181, "backward"), (198, "backward"),
        (216, "backward"), (234, "backward"), (241, "backward"), (272, "backward"),
        (282, "backward"), (312, "backward"), (341, "backward"), (354, "backward"),
        (371, "backward"), (377, "backward"), (401, "backward"), (413, "backward"),
        # opposite carriageway, moving away (19)
        (16, "forward"), (30, "forward"), (90, "forward"), (100, "forward"),
        (118, "forward"), (143, "forward"), (171, "forward"), (197, "forward"),
        (215, "forward"), (248, "forward"), (258, "forward"), (273, "forward"),
        (290, "forward"), (300, "forward"), (332, "forward"), (370, "forward"),
        (391, "forward"), (398, "forward"), (420, "forward")],
}

# Pinned: the eye crossings the element must find, per direction, and how many crossings it
# may report that match none. Measured: 640x360 7/7 with no extra; 1280x720 approaching 23/24
# (the motorcycle on the inner shoulder is missed) with no extra, moving away 2/19.
MIN_MATCHED = {
    ("highway-640x360.mp4", "forward"): 5, ("highway-640x360.mp4", "backward"): 1,
    ("highway-1280x720.mp4", "backward"): 22, ("highway-1280x720.mp4", "forward"): 0,
}
MAX_UNMATCHED = 1

FRAMES = {"highway-640x360.mp4": 341, "highway-1280x720.mp4": 450}


def match(eye, element):
    """Greedy one-to-one matching by frame distance, per direction; returns (matched, extra)."""
    matched = collections.Counter()
    unused = list(element)
    for frame, direction in eye:
        near = [e for e in unused if e[1] == direction and abs(e[0] - frame) <= MATCH_FRAMES]
        if near:
            best = min(near, key=lambda e: abs(e[0] - frame))
            unused.remove(best)
            matched[direction] += 1
    return matched, collections.Counter(direction for _, direction in unused)


class SpeedFileRecipe(unittest.TestCase):
    runs = {}

    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        env = rwtest.gst_env()
        env["MODEL"] = rwtest.asset("model", "yolox_nano.onnx")
        for clip in EYE_CROSSINGS:
            out = rwtest.scratch_dir()
            video, jsonl = os.path.join(out, "annotated.mp4"), os.path.join(out, "a.jsonl")
            proc = subprocess.run(
                [os.path.join(rwtest.SOURCE_DIR, "pipelines", "speed-file.sh"),
                 rwtest.asset("media", clip), video, jsonl],
                env=env, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                raise AssertionError(f"speed-file.sh {clip} exit {proc.returncode}:\n"
                                     f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            cls.runs[clip] = (video, rwtest.read_jsonl(jsonl))

    def test_line_crossings_match_the_count_by_eye(self):
        """Each eye crossing is found at about its frame; nothing is counted twice."""
        for clip, (_, records) in self.runs.items():
            element = [(e["frame_number"], e["direction"]) for r in records
                       for e in r.get("events", []) if e["type"] == "line_cross"]
            matched, extra = match(EYE_CROSSINGS[clip], element)
            eye = collections.Counter(d for _, d in EYE_CROSSINGS[clip])
            totals = records[-1]["stats"]["line_counts"]["count"]
            for direction in ("forward", "backward"):
                print(f"\n[speed-file] {clip} {direction}: by eye {eye[direction]}, element "
                      f"{totals[direction]}, matched {matched[direction]}, "
                      f"unmatched {extra[direction]}")
                self.assertGreaterEqual(matched[direction], MIN_MATCHED[(clip, direction)])
                self.assertLessEqual(extra[direction], MAX_UNMATCHED)
                self.assertEqual(totals[direction], matched[direction] + extra[direction])

    def test_every_frame_has_a_record_and_the_last_the_summary(self):
        """One record per frame; the last carries end_of_stream with the final totals."""
        for clip, (_, records) in self.runs.items():
            self.assertEqual(len(records), FRAMES[clip])
            eos = [e for e in records[-1]["events"] if e["type"] == "end_of_stream"]
            self.assertEqual(len(eos), 1, clip)
            self.assertEqual(eos[0]["summary"]["total_vehicles"],
                             records[-1]["stats"]["total_vehicles"])
            self.assertGreater(eos[0]["summary"]["total_vehicles"], 10)

    def test_speeds_come_with_error_bars_and_world_positions(self):
        """Measured objects carry speed_kmh, speed_err_kmh and a world position in metres."""
        for clip, (_, records) in self.runs.items():
            measured = [o for r in records for o in r["objects"] if "speed_kmh" in o]
            self.assertGreater(len(measured), 500, clip)
            for o in measured:
                self.assertGreater(o["speed_err_kmh"], 0)
                self.assertIn("world", o)

    def test_freeway_speeds_are_freeway_speeds(self):
        """highway-1280x720 (a Texas freeway, well calibrated): per-vehicle median speeds on
        the main carriageway lie between 60 and 140 km/h, and their median between 80 and 115."""
        _, records = self.runs["highway-1280x720.mp4"]
        per_track = collections.defaultdict(list)
        for r in records:
            for o in r["objects"]:
                if "speed_kmh" in o and -4 < o["world"]["x"] < 8:
                    per_track[o["track_id"]].append(o["speed_kmh"])
        medians = sorted(sorted(v)[len(v) // 2] for v in per_track.values() if len(v) >= 30)
        print(f"\n[speed-file] 1280x720 per-vehicle median speeds: {medians}")
        self.assertGreaterEqual(len(medians), 15)
        self.assertTrue(all(60 < m < 140 for m in medians), medians)
        self.assertTrue(80 < medians[len(medians) // 2] < 115)

    def test_annotated_video_has_every_frame(self):
        for clip, (video, _) in self.runs.items():
            capture = cv2.VideoCapture(video)
            frames = 0
            while capture.read()[0]:
                frames += 1
            self.assertEqual(frames, FRAMES[clip], clip)


class SpeedFileErrors(unittest.TestCase):
    def test_missing_calibration_or_zones_is_a_clear_error(self):
        """Exit 1 before any work, naming the missing file and how to make one."""
        clip = rwtest.asset("media", "city-640x352.mp4")  # no configs shipped for it
        out = rwtest.scratch_dir()
        for variable, word in (("CALIBRATION", "roadwatch-calibrate"), ("ZONES", "zones")):
            env = rwtest.gst_env()
            env["MODEL"] = rwtest.asset("model", "yolox_nano.onnx")
            if variable == "ZONES":
                env["CALIBRATION"] = os.path.join(rwtest.SOURCE_DIR, "pipelines", "calibration",
                                                  "highway-640x360.json")
            proc = subprocess.run(
                [os.path.join(rwtest.SOURCE_DIR, "pipelines", "speed-file.sh"), clip,
                 os.path.join(out, "a.mp4"), os.path.join(out, "a.jsonl")],
                env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn(f"no {variable.lower()} file", proc.stderr)
            self.assertIn(word, proc.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "a.jsonl")))


if __name__ == "__main__":
    unittest.main()

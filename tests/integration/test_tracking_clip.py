"""yolodetect ! deepsorttrack on the real 640x360 highway clip against a count made by eye.

How the vehicles were counted: frames 0, 30, 60, ..., 330 and 340 (one per second plus the
last) were viewed at full resolution, and every vehicle was followed from sample to sample
by carriageway, colour and position (a vehicle needs 7-8 s to cross the frame, so none can
slip between two samples). Far carriageway (moving away, upper left): 13 vehicles, the last
one entering at the left edge only after frame 330. Near carriageway (approaching, right):
6 vehicles, the last one only a few pixels at the horizon in the final frames. 19 in all.

Pinned vehicles: centres (x, y) read off those frames for vehicles that cross most of the
frame; each must carry one and the same track id at all of its points.
"""
import collections
import os
import unittest

import rwtest

VEHICLES_BY_EYE = 19

PINS = {  # name: [(frame, x, y), ...] in 640x360 pixels
    "silver SUV, near carriageway": [(30, 535, 130), (120, 450, 228), (180, 390, 315)],
    "blue car, far carriageway": [(30, 165, 160), (90, 287, 110), (180, 392, 38)],
    "white car, far carriageway": [(120, 105, 182), (210, 282, 112), (300, 387, 45)],
    "light blue van, far carriageway": [(120, 182, 182), (210, 368, 98), (300, 445, 20)],
    "red van, far carriageway": [(300, 87, 180), (330, 157, 158)],
}
PIN_RADIUS_PX = 25

PIPELINE = ("filesrc location={clip} ! decodebin ! videoconvert ! video/x-raw,format=BGR ! "
            "yolodetect model-file={model} score-threshold=0.1 ! deepsorttrack ! "
            "metaconvert ! filesink location={out}")


def centre(record, obj):
    x1, y1, x2, y2 = rwtest.bbox_px(record, obj)
    return (x1 + x2) / 2, (y1 + y2) / 2


class TrackingOnRealClip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        out = os.path.join(rwtest.scratch_dir(), "tracks.jsonl")
        rwtest.run_ok(PIPELINE, timeout=400, clip=rwtest.asset("media", "highway-640x360.mp4"),
                      model=rwtest.asset("model", "yolox_nano.onnx"), out=out)
        cls.records = rwtest.read_jsonl(out)

    def test_every_frame_and_every_object_tracked(self):
        """341 records; every reported object carries a track id."""
        self.assertEqual(len(self.records), 341)
        objects = [o for r in self.records for o in r["objects"]]
        self.assertGreater(len(objects), 1000)
        self.assertTrue(all("track_id" in o for o in objects))

    def test_distinct_ids_close_to_the_count_by_eye(self):
        """Distinct confirmed ids: at most 1.2x the vehicles counted by eye, and no merging."""
        ids = collections.Counter(o["track_id"] for r in self.records for o in r["objects"])
        print(f"\n[tracking] {len(ids)} distinct track ids for {VEHICLES_BY_EYE} vehicles by eye")
        self.assertLessEqual(len(ids), int(1.2 * VEHICLES_BY_EYE))
        # Far fewer ids than vehicles would mean vehicles share ids.
        self.assertGreaterEqual(len(ids), VEHICLES_BY_EYE - 4)

    def test_pinned_vehicles_keep_one_id(self):
        """Each pinned vehicle has exactly one track id at every one of its points."""
        for name, points in PINS.items():
            ids = set()
            for frame, x, y in points:
                record = self.records[frame]
                near = [o["track_id"] for o in record["objects"]
                        if abs(centre(record, o)[0] - x) < PIN_RADIUS_PX
                        and abs(centre(record, o)[1] - y) < PIN_RADIUS_PX]
                self.assertEqual(len(near), 1, f"{name}: frame {frame} has {near} near ({x}, {y})")
                ids.update(near)
            self.assertEqual(len(ids), 1, f"{name} changed id: {sorted(ids)}")


if __name__ == "__main__":
    unittest.main()

"""docs/schema/roadwatch-1.schema.json: metaconvert output on a real clip validates against
it, and it accepts the records of a full pipeline and rejects wrong ones (built here)."""
import copy
import functools
import json
import os
import unittest

import jsonschema

import rwtest

CUT_PACKETS = 30   # the first 30 H.264 packets of the clip, remuxed into a complete short MP4


def load_validator():
    """A validator for the published schema, which must itself be a valid JSON Schema."""
    with open(rwtest.SCHEMA_FILE) as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def assert_all_valid(test, records):
    validator = load_validator()
    for rec in records:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(rec)]
        test.assertEqual(errors, [], f"frame {rec.get('frame_number')}")


@functools.cache
def short_clip():
    """The clip's first packets as a short but complete file: cutting the stream inside the
    pipeline (identity eos-after) would rightly be reported by yolodetect as a truncated input."""
    short = os.path.join(rwtest.scratch_dir(), "short.mp4")
    rwtest.run_ok(
        f"filesrc location={{clip}} ! qtdemux ! h264parse ! identity eos-after={CUT_PACKETS} ! "
        "mp4mux ! filesink location={short}",
        clip=rwtest.asset("media", "highway-1280x720.mp4"), short=short)
    return short


def run_to_records(analytics, decode="decodebin", **paths):
    """Records of short_clip() through yolodetect, the `analytics` elements and metaconvert."""
    out = os.path.join(rwtest.scratch_dir(), "out.jsonl")
    rwtest.run_ok(
        f"filesrc location={{short}} ! {decode} ! videoconvert ! video/x-raw,format=BGR ! "
        f"yolodetect model-file={{model}} ! {analytics} metaconvert source-id=cam-1 ! "
        "filesink location={out}",
        timeout=120, short=short_clip(), model=rwtest.asset("model", "yolox_nano.onnx"), out=out,
        **paths)
    return rwtest.read_jsonl(out)


class Schema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.records = run_to_records("")

    def test_every_record_validates(self):
        """The published schema is a valid JSON Schema and every output line validates."""
        assert_all_valid(self, self.records)

    def test_record_fields(self):
        """schema tag, source_id, frame size, consecutive frame numbers, increasing PTS."""
        self.assertGreaterEqual(len(self.records), CUT_PACKETS - 4)
        self.assertEqual([r["frame_number"] for r in self.records], list(range(len(self.records))))
        pts = [r["pts_ns"] for r in self.records]
        self.assertEqual(pts, sorted(set(pts)), "pts_ns not strictly increasing")
        for rec in self.records:
            self.assertEqual(rec["schema"], "roadwatch/1")
            self.assertEqual(rec["source_id"], "cam-1")
            self.assertEqual(rec["frame_size"], {"w": 1280, "h": 720})

    def test_cars_detected(self):
        """The default vehicle classes find cars on the highway, with boxes inside the frame."""
        objects = [o for r in self.records for o in r["objects"]]
        self.assertIn("car", {o["label"] for o in objects})
        for o in objects:
            self.assertIn(o["label"], ("car", "motorcycle", "bus", "truck"))
            b = o["bbox"]
            self.assertTrue(0 <= b["x"] and 0 <= b["y"] and b["x"] + b["w"] <= 1 + 1e-6
                            and b["y"] + b["h"] <= 1 + 1e-6, o)


# A made-up but well-formed calibration: the lower frame onto a 20 m x 80 m stretch of road,
# horizon above the frame so every box maps to a finite position.
CALIBRATION = {"image_points": [[300, 350], [980, 350], [1280, 720], [0, 720]],
               "world_points": [[0, 80], [20, 80], [20, 0], [0, 0]]}
ZONES = {"normalized": True,
         "zones": [{"name": "road", "polygon": [[0, 0.3], [1, 0.3], [1, 1], [0, 1]]}],
         "lines": [{"name": "middle", "points": [[0, 0.6], [1, 0.6]]}]}


class FullPipeline(unittest.TestCase):
    """Every element that feeds the record: the complete records validate."""

    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        work = rwtest.scratch_dir()
        paths = {"calibration": os.path.join(work, "calibration.json"),
                 "zones": os.path.join(work, "zones.json")}
        for key, content in (("calibration", CALIBRATION), ("zones", ZONES)):
            with open(paths[key], "w") as f:
                json.dump(content, f)
        # A 1 km/h limit: every measured vehicle speeds, so violations reach the record.
        # decodebin is avoided: the stream-group-done event it sends just before EOS makes
        # roianalytics release its held last frame early, and the summary then goes on the
        # bus only (not a schema matter; this test needs the end_of_stream record).
        cls.records = run_to_records(
            "deepsorttrack ! homographyspeed calibration-file={calibration} ! "
            "roianalytics zones-file={zones} speed-limit=1 !",
            decode="qtdemux ! h264parse ! avdec_h264", **paths)

    def test_every_record_validates(self):
        """Objects with speed, world and zones, stats and events all match the schema."""
        assert_all_valid(self, self.records)

    def test_record_is_complete(self):
        """Every frame has stats and events; objects get speeds, positions and zones; the last
        frame ends the stream with its summary."""
        self.assertGreaterEqual(len(self.records), CUT_PACKETS - 4)
        for rec in self.records:
            self.assertIn("stats", rec)
            self.assertIn("events", rec)
        objects = [o for r in self.records for o in r["objects"]]
        for key in ("track_id", "speed_kmh", "world", "zones"):
            self.assertTrue(any(key in o for o in objects), f"no object has {key}")
        types = {e["type"] for r in self.records for e in r["events"]}
        self.assertLessEqual({"enter", "exit", "speeding", "end_of_stream"}, types)
        self.assertTrue(any("speed_kmh" in e for r in self.records for e in r["events"]
                            if e["type"] == "exit"), "exits carry the mean speed")
        last = self.records[-1]["events"][-1]
        self.assertEqual(last["type"], "end_of_stream")
        self.assertEqual(last["summary"]["total_vehicles"],
                         self.records[-1]["stats"]["total_vehicles"])


# The example of SPEC section 5, verbatim.
SPEC_RECORD = {
    "schema": "roadwatch/1", "source_id": "1", "frame_number": 42, "pts_ns": 1400000000,
    "ts_unix_ms": 1730000000123, "frame_size": {"w": 1280, "h": 720},
    "objects": [{"track_id": 5, "class_id": 2, "label": "car", "confidence": 0.91,
                 "bbox": {"x": 0.42, "y": 0.31, "w": 0.08, "h": 0.06},
                 "speed_kmh": 75.5, "speed_err_kmh": 1.2, "world": {"x": 3.1, "y": 40.2},
                 "zones": ["roi"]}],
    "stats": {"total_vehicles": 123, "current_in_roi": 8, "speeding_count": 1,
              "by_class": {"car": 100, "truck": 20, "bus": 3}, "line_counts": {}},
    "events": [{"type": "speeding", "track_id": 5, "speed_kmh": 75.5, "limit_kmh": 60,
                "zone": "roi", "frame_number": 42, "pts_ns": 1400000000}]}

AT = {"frame_number": 42, "pts_ns": 1400000000}
ENTER = {"type": "enter", "track_id": 5, "label": "car", "zone": "roi", **AT}
EXIT = {"type": "exit", "track_id": 5, "label": "car", "zone": "roi", "dwell_s": 2.346, **AT}
CROSS = {"type": "line_cross", "track_id": 6, "label": "truck", "line": "stop line",
         "direction": "backward", **AT}
SPEEDING = {"type": "speeding", "track_id": 5, "label": "car", "speed_kmh": 75.5,
            "limit_kmh": 60, "zone": "roi", **AT}
SUMMARY = {"total_vehicles": 3, "average_dwell_s": 4.568, "by_class": {"car": 2, "truck": 1},
           "violations": 1}
END = {"type": "end_of_stream", **AT, "summary": SUMMARY}


def full_record():
    """A record as metaconvert writes it behind homographyspeed and roianalytics."""
    record = copy.deepcopy(SPEC_RECORD)
    record["objects"].append({"track_id": 9, "class_id": 7, "label": "truck", "confidence": 0.5,
                              "bbox": {"x": 0.5, "y": 0.5, "w": 0.5, "h": 0.5},
                              "world": {"x": -1.25, "y": 12.5}, "zones": []})
    record["stats"]["line_counts"] = {"stop line": {"forward": 7, "backward": 2}}
    record["events"] = copy.deepcopy([ENTER, EXIT, CROSS, SPEEDING, END])
    return record


def changed(edit):
    """full_record() after edit(record)."""
    record = full_record()
    edit(record)
    return record


class SchemaRules(unittest.TestCase):
    """Records built here: what the schema must accept and what it must reject."""

    @classmethod
    def setUpClass(cls):
        cls.validator = load_validator()

    def errors(self, record):
        return [f"{'/'.join(map(str, e.path))}: {e.message}"
                for e in self.validator.iter_errors(record)]

    def test_accepts_good_records(self):
        """The SPEC example, a full record with every event type, an exit with the stay's
        mean speed, and a detector-only record."""
        detector_only = copy.deepcopy(SPEC_RECORD)
        del detector_only["stats"], detector_only["events"]
        for key in ("track_id", "speed_kmh", "speed_err_kmh", "world", "zones"):
            del detector_only["objects"][0][key]
        last_frame = changed(lambda r: r.update(events=[EXIT, END]))
        quiet_frame = changed(lambda r: r.update(events=[]))
        exit_with_speed = changed(lambda r: r["events"][1].update(speed_kmh=63.25))
        for name, record in [("spec", SPEC_RECORD), ("full", full_record()),
                             ("exit with speed", exit_with_speed),
                             ("detector only", detector_only), ("last frame", last_frame),
                             ("quiet frame", quiet_frame)]:
            self.assertEqual(self.errors(record), [], name)

    def test_rejects_wrong_records(self):
        """Each edit breaks one rule of the record; the schema must notice every one."""
        def event(i, **fields):
            def edit(r):
                r["events"][i].update(fields)
                for key in [k for k, v in fields.items() if v is None]:
                    del r["events"][i][key]
            return edit

        def obj(**fields):
            def edit(r):
                r["objects"][0].update(fields)
                for key in [k for k, v in fields.items() if v is None]:
                    del r["objects"][0][key]
            return edit

        cases = {
            "unknown event key": event(0, speed=3),
            "unknown event type": event(0, type="parked"),
            "line_cross naming a zone": event(2, zone="stop line", line=None),
            "line_cross without direction": event(2, direction=None),
            "direction not forward/backward": event(2, direction="left"),
            "direction as a number": event(2, direction=1),
            "exit without dwell": event(1, dwell_s=None),
            "enter with a dwell": event(0, dwell_s=1.0),
            "enter with a speed": event(0, speed_kmh=50.0),
            "line_cross with a speed": event(2, speed_kmh=50.0),
            "exit with a negative speed": event(1, speed_kmh=-1.0),
            "speeding without limit": event(3, limit_kmh=None),
            "speeding without speed": event(3, speed_kmh=None),
            "event without pts": event(0, pts_ns=None),
            "end_of_stream without summary": event(4, summary=None),
            "end_of_stream with a track": event(4, track_id=1),
            "summary with an extra key": lambda r: r["events"][4]["summary"].update(extra=1),
            "summary without violations": lambda r: r["events"][4]["summary"].pop("violations"),
            "line count as a number": lambda r: r["stats"]["line_counts"].update({"a": 3}),
            "line count without backward": lambda r: r["stats"]["line_counts"].update(
                {"a": {"forward": 3}}),
            "negative line count": lambda r: r["stats"]["line_counts"].update(
                {"a": {"forward": -1, "backward": 0}}),
            "stats without by_class": lambda r: r["stats"].pop("by_class"),
            "stats with an extra key": lambda r: r["stats"].update(lanes=2),
            "stats without events": lambda r: r.pop("events"),
            "fractional class count": lambda r: r["stats"]["by_class"].update(car=1.5),
            "error without speed": obj(speed_kmh=None),
            "negative speed": obj(speed_kmh=-1.0),
            "speed as a string": obj(speed_kmh="75"),
            "world without y": obj(world={"x": 1.0}),
            "zones not strings": obj(zones=[1]),
            "zones as a string": obj(zones="roi"),
        }
        for name, edit in cases.items():
            with self.subTest(name):
                self.assertNotEqual(self.errors(changed(edit)), [], f"{name} was accepted")


if __name__ == "__main__":
    unittest.main()

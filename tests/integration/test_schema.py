"""metaconvert output on a real clip validates against docs/schema/roadwatch-1.schema.json."""
import json
import os
import unittest

import jsonschema

import rwtest

CUT_PACKETS = 30   # the first 30 H.264 packets of the clip, remuxed into a complete short MP4


class Schema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        # A short but complete file: cutting the stream inside the pipeline (identity eos-after)
        # would rightly be reported by yolodetect as a truncated input.
        work = rwtest.scratch_dir()
        short = os.path.join(work, "short.mp4")
        rwtest.run_ok(
            f"filesrc location={{clip}} ! qtdemux ! h264parse ! identity eos-after={CUT_PACKETS} ! "
            "mp4mux ! filesink location={short}",
            clip=rwtest.asset("media", "highway-1280x720.mp4"), short=short)
        out = os.path.join(work, "out.jsonl")
        rwtest.run_ok(
            "filesrc location={short} ! decodebin ! videoconvert ! video/x-raw,format=BGR ! "
            "yolodetect model-file={model} ! metaconvert source-id=cam-1 ! filesink location={out}",
            timeout=120, short=short, model=rwtest.asset("model", "yolox_nano.onnx"), out=out)
        cls.records = rwtest.read_jsonl(out)

    def test_every_record_validates(self):
        """The published schema is a valid JSON Schema and every output line validates."""
        with open(rwtest.SCHEMA_FILE) as f:
            schema = json.load(f)
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        for rec in self.records:
            errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
                      for e in validator.iter_errors(rec)]
            self.assertEqual(errors, [], f"frame {rec.get('frame_number')}")

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


if __name__ == "__main__":
    unittest.main()

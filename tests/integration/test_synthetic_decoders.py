"""YOLOv5/YOLOv8 decoding, letterbox inversion, thresholds and NMS on models of known output."""
import os
import unittest

import make_models
import rwtest
from make_models import ANCHORS, INPUT_SIZE, LABELS

FRAME_SIZE = (128, 96)   # scale 0.5 into 64x64, centred: pad_x 0, pad_y (64-48)//2 = 8
ODD_SIZE = (128, 90)     # scaled height 45: 4:2:0 input must round it down to 44
FRAMES = 3
DEFAULT_KEPT = (0, 50, 60, 83)  # slot 37 loses NMS to slot 0; slot 70 is under the 0.3 threshold

PIPELINE = (f"videotestsrc num-buffers={FRAMES} pattern=black ! "
            "video/x-raw,format={format},width={width},height={height} ! "
            "yolodetect model-file={model} label-file={labels} classes={classes} %s ! "
            "metaconvert ! filesink location={out}")


def to_frame(v, pad, scaled, size):
    """A model-input coordinate mapped back to the frame axis of `size` pixels, clamped."""
    return min(max((v - pad) * size / scaled, 0), size)


def expected_objects(slots, frame_w, frame_h, even=False):
    """roadwatch/1 objects of the given anchor slots, inverting the centred letterbox by hand."""
    r = min(INPUT_SIZE / frame_w, INPUT_SIZE / frame_h)
    scaled_w, scaled_h = round(frame_w * r), round(frame_h * r)
    if even:
        scaled_w, scaled_h = scaled_w // 2 * 2, scaled_h // 2 * 2
    pad_x, pad_y = (INPUT_SIZE - scaled_w) // 2, (INPUT_SIZE - scaled_h) // 2
    objects = []
    for slot, cx, cy, w, h, obj, cls in ANCHORS:
        if slot not in slots:
            continue
        c = max(range(len(cls)), key=cls.__getitem__)
        x1, x2 = (to_frame(x, pad_x, scaled_w, frame_w) for x in (cx - w / 2, cx + w / 2))
        y1, y2 = (to_frame(y, pad_y, scaled_h, frame_h) for y in (cy - h / 2, cy + h / 2))
        objects.append({"class_id": c, "label": LABELS[c], "confidence": obj * cls[c],
                        "bbox": {"x": x1 / frame_w, "y": y1 / frame_h,
                                 "w": (x2 - x1) / frame_w, "h": (y2 - y1) / frame_h}})
    return objects


def sort_key(obj):
    return obj["class_id"], obj["bbox"]["x"], obj["bbox"]["y"]


class SyntheticDecoders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.models = make_models.build(rwtest.scratch_dir())

    def detect(self, model, properties="", classes='""', fmt="BGR", size=FRAME_SIZE):
        """Run the element on FRAMES black frames (all classes unless told); return the records."""
        out = os.path.join(rwtest.scratch_dir(), "out.jsonl")
        rwtest.run_ok(PIPELINE % properties, timeout=60, format=fmt, width=size[0],
                      height=size[1], model=self.models[model], labels=self.models["labels"],
                      classes=classes, out=out)
        records = rwtest.read_jsonl(out)
        self.assertEqual(len(records), FRAMES)
        return records

    def assert_objects(self, records, slots, size=FRAME_SIZE, even=False):
        """Every record holds exactly the objects of `slots` (class, label, confidence, bbox)."""
        want = sorted(expected_objects(slots, *size, even), key=sort_key)
        for rec in records:
            self.assertEqual(rec["frame_size"], {"w": size[0], "h": size[1]})
            got = sorted(rec["objects"], key=sort_key)
            self.assertEqual([(o["class_id"], o["label"]) for o in got],
                             [(o["class_id"], o["label"]) for o in want],
                             f"frame {rec['frame_number']}: {got}")
            for g, w in zip(got, want):
                self.assertAlmostEqual(g["confidence"], w["confidence"], delta=1e-4)
                for k in "xywh":
                    self.assertAlmostEqual(g["bbox"][k], w["bbox"][k], delta=1e-3,
                                           msg=f"bbox.{k} of {g} (want {w['bbox']})")

    def test_yolov5_auto(self):
        """1x252x8 output is detected as YOLOv5 and decoded, letterbox inverted, NMS'd, clamped."""
        self.assert_objects(self.detect("yolov5"), DEFAULT_KEPT)

    def test_yolov5_explicit(self):
        """model-type=yolov5 decodes the same boxes."""
        self.assert_objects(self.detect("yolov5", "model-type=yolov5"), DEFAULT_KEPT)

    def test_yolov8_auto(self):
        """1x7x84 output is detected as YOLOv8 (transposed, no objectness) and decoded."""
        self.assert_objects(self.detect("yolov8"), DEFAULT_KEPT)

    def test_yolov8_explicit(self):
        """model-type=yolov8 decodes the same boxes."""
        self.assert_objects(self.detect("yolov8", "model-type=yolov8"), DEFAULT_KEPT)

    def test_thresholds(self):
        """score-threshold drops weak boxes; a higher iou-threshold keeps the overlapping van."""
        self.assert_objects(self.detect("yolov5", "score-threshold=0.6"), (0, 60, 83))
        self.assert_objects(self.detect("yolov8", "iou-threshold=0.8"), (0, 37, 50, 60, 83))

    def test_classes_filter(self):
        """classes accepts labels and ids and keeps only those classes."""
        cases = {"van": (0,), "2": (50, 60), "sedan,van": (0, 83)}
        for classes, slots in cases.items():
            with self.subTest(classes=classes):
                self.assert_objects(self.detect("yolov5", classes=classes), slots)

    def test_yuv420_even_scaled_size(self):
        """I420/NV12 round the scaled size down to even (64x45 -> 64x44) and map back by it."""
        for fmt in ("I420", "NV12"):
            with self.subTest(format=fmt):
                records = self.detect("yolov8", fmt=fmt, size=ODD_SIZE)
                self.assert_objects(records, DEFAULT_KEPT, ODD_SIZE, even=True)

    def test_packed_formats(self):
        """Every packed RGB layout reaches the same boxes (128x90: scaled 64x45, pad_y 9)."""
        for fmt in ("RGB", "BGRx", "RGBx", "BGRA", "RGBA"):
            with self.subTest(format=fmt):
                records = self.detect("yolov5", fmt=fmt, size=ODD_SIZE)
                self.assert_objects(records, DEFAULT_KEPT, ODD_SIZE)


if __name__ == "__main__":
    unittest.main()

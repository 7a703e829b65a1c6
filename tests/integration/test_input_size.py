"""yolodetect input-size and rewrite-graph on a real clip: the 416x256 network input picked for
16:9 frames (input-size=auto) finds what the model's own 416x416 finds, agrees with the
independent Python reference run at 416x256, and the graph rewrite changes no detection."""
import os
import unittest

import reference_yolox
import rwtest

CLIP_FRAMES = 341
SCORE_THRESHOLD = 0.25   # every run detects down to this score ...
COMPARE_FROM = 0.4       # ... and every box at or above this one must be found by the other
MIN_IOU = 0.9
MIN_MATCHED = 0.98

PIPELINE = ("filesrc location={clip} ! decodebin ! "
            "yolodetect model-file={model} classes=\"\" score-threshold=0.25 %s ! "
            "metaconvert ! filesink location={out}")


def as_boxes(records):
    """roadwatch/1 records -> [(frame, class, score, x1, y1, x2, y2)] in frame pixels."""
    return [(r["frame_number"], o["class_id"], o["confidence"], *rwtest.bbox_px(r, o))
            for r in records for o in r["objects"]]


def match(expected, found, min_iou=MIN_IOU):
    """(share of `expected` boxes scoring >= COMPARE_FROM that `found` has with the same class
    at IoU >= min_iou, number compared, mean IoU of the matches)."""
    by_frame = {}
    for frame, cls, _, *box in found:
        by_frame.setdefault((frame, cls), []).append(box)
    compared, ious = 0, []
    for frame, cls, score, *box in expected:
        if score < COMPARE_FROM:
            continue
        compared += 1
        best = max((rwtest.iou(box, other) for other in by_frame.get((frame, cls), [])),
                   default=0.0)
        if best >= min_iou:
            ious.append(best)
    return len(ious) / max(compared, 1), compared, sum(ious) / max(len(ious), 1)


class InputSize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.model = rwtest.asset("model", "yolox_nano.onnx")
        cls.clip = rwtest.asset("media", "highway-640x360.mp4")
        cls.runs = {name: cls.detect(props) for name, props in (
            ("416x416", "input-size=model"),
            ("auto", "input-size=auto"),
            ("auto, no rewrite", "input-size=auto rewrite-graph=false"))}
        cls.reference, frames = reference_yolox.detect_clip(
            cls.model, cls.clip, SCORE_THRESHOLD, input_size=(416, 256))
        assert frames == CLIP_FRAMES, f"reference decoded {frames} frames, expected {CLIP_FRAMES}"

    @classmethod
    def detect(cls, properties):
        out = os.path.join(rwtest.scratch_dir(), "out.jsonl")
        rwtest.run_ok(PIPELINE % properties, timeout=400, clip=cls.clip, model=cls.model, out=out)
        records = rwtest.read_jsonl(out)
        assert len(records) == CLIP_FRAMES, f"{len(records)} records for {CLIP_FRAMES} frames"
        return as_boxes(records)

    def expect_match(self, what, expected, found, min_iou=MIN_IOU, min_matched=MIN_MATCHED):
        rate, compared, mean_iou = match(expected, found, min_iou)
        print(f"\n[input-size] {what}: {compared} boxes compared, {100 * rate:.2f} % matched "
              f"at IoU >= {min_iou} (mean IoU {mean_iou:.4f})")
        self.assertGreater(compared, 100)
        self.assertGreaterEqual(rate, min_matched, what)

    def test_auto_finds_what_416x416_finds(self):
        """Both ways: >= 98 % of each run's boxes are in the other at IoU >= 0.9."""
        self.expect_match("416x416 boxes found at auto (416x256)",
                          self.runs["416x416"], self.runs["auto"])
        self.expect_match("auto (416x256) boxes found at 416x416",
                          self.runs["auto"], self.runs["416x416"])

    def test_auto_matches_reference_at_416x256(self):
        """The non-square grid: the independent reference at 416x256 agrees with the element."""
        self.expect_match("reference 416x256 boxes found by the element at auto",
                          self.reference, self.runs["auto"])

    def test_rewrite_changes_no_detection(self):
        """Rewritten graph against the original: the same boxes to IoU 0.99."""
        self.expect_match("original-graph boxes found with the rewritten graph",
                          self.runs["auto, no rewrite"], self.runs["auto"], min_iou=0.99,
                          min_matched=0.995)


if __name__ == "__main__":
    unittest.main()

"""yolodetect + yolox_nano against an independent Python reference on a real clip."""
import collections
import os
import unittest

import reference_yolox
import rwtest

CLIP_FRAMES = 450
SCORE_THRESHOLD = 0.25   # both sides detect down to this score ...
COMPARE_FROM = 0.4       # ... and every reference box at or above this one must be found
MIN_IOU = 0.9
MIN_MATCHED = 0.98

# At the model's own 416x416, as the reference: test_input_size.py compares the 416x256 that
# input-size=auto picks for this clip with it.
PIPELINE = ("filesrc location={clip} ! decodebin ! %s ! "
            "yolodetect model-file={model} classes=\"\" score-threshold=0.25 input-size=model ! "
            "metaconvert ! filesink location={out}")


class Fidelity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rwtest.require_plugin()
        cls.model = rwtest.asset("model", "yolox_nano.onnx")
        cls.clip = rwtest.asset("media", "highway-1280x720.mp4")
        cls.reference, frames = reference_yolox.detect_clip(cls.model, cls.clip, SCORE_THRESHOLD)
        assert frames == CLIP_FRAMES, f"reference decoded {frames} frames, expected {CLIP_FRAMES}"

    def element_detections(self, convert):
        """Run the element pipeline; return its records, one per frame."""
        out = os.path.join(rwtest.scratch_dir(), "out.jsonl")
        rwtest.run_ok(PIPELINE % convert, timeout=400, clip=self.clip, model=self.model,
                      out=out)
        records = rwtest.read_jsonl(out)
        self.assertEqual(len(records), CLIP_FRAMES)
        self.assertEqual([r["frame_number"] for r in records], list(range(CLIP_FRAMES)))
        return records

    def match_rate(self, records, path_name):
        """Share of reference boxes (score >= COMPARE_FROM) the element finds; prints figures."""
        compared, ious, misses = 0, [], collections.Counter()
        for frame, cls, score, *box in self.reference:
            if score < COMPARE_FROM:
                continue
            compared += 1
            rec = records[frame]
            best = max((rwtest.iou(box, rwtest.bbox_px(rec, o)) for o in rec["objects"]
                        if o["class_id"] == cls), default=0.0)
            if best >= MIN_IOU:
                ious.append(best)
            else:
                misses[frame] += 1
        self.assertGreater(compared, 0, "reference found nothing to compare")
        rate = len(ious) / compared
        print(f"\n[fidelity {path_name}] boxes compared {compared}, matched {len(ious)} "
              f"({100 * rate:.2f} %), IoU of matches mean {sum(ious) / max(len(ious), 1):.4f} "
              f"min {min(ious, default=0):.4f}, "
              f"worst frames (frame, misses) {misses.most_common(5)}")
        return rate

    def test_bgr_matches_reference(self):
        """BGR input: >= 98 % of reference boxes found with the same class at IoU >= 0.9."""
        records = self.element_detections("videoconvert ! video/x-raw,format=BGR")
        self.assertGreaterEqual(self.match_rate(records, "BGR"), MIN_MATCHED)

    def test_i420_fast_path_matches_reference(self):
        """I420 input (no videoconvert): the same 98 % bar against the BGR reference."""
        records = self.element_detections("video/x-raw,format=I420")
        self.assertGreaterEqual(self.match_rate(records, "I420"), MIN_MATCHED)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/python3
"""Regenerates detections.json, the input of the tracker golden test (tests/unit/test_tracker.cpp).

Run with /usr/bin/python3 tests/data/tracker_golden/make_golden.py. The scene is synthetic and
seeded, so the output is the same on every run. tracks.json, the expected output, comes from
the C++ tracker: RW_REGENERATE_TRACKER_GOLDEN=1 rw_unit_tests --gtest_filter=TrackerGolden.*
rewrites it (and tracks_appearance.json, the same scene tracked with the features); check the
ids by hand before committing new ones.

Scene, 1280x720, 60 frames, boxes [x1, y1, x2, y2] with 1.5 px Gaussian noise per corner, and
a 4-d appearance feature per object (a noisy unit vector, one axis per object):
  car A    (class 2) left to right at 12 px/frame; score dips to 0.3 in frames 15-17.
  car B    (class 2) right to left at 10 px/frame, 30 px lower than A: A and B cross and
           overlap around frames 40-50.
  truck C  (class 7) diagonally down-right; no detection in frames 20-24 (occluded).
  clutter  a lone 0.3 box in frame 10 (must never start a track) and a lone 0.8 box in frame
           30 (starts a tentative track that dies the next frame).
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES = 60
NOISE_PX = 1.5


def box(cx, cy, w, h, rng):
    corners = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
    return [round(v + rng.gauss(0, NOISE_PX), 2) for v in corners]


def feature(axis, rng):
    v = [rng.gauss(0, 0.1) for _ in range(4)]
    v[axis] += 1
    norm = sum(x * x for x in v) ** 0.5
    return [round(x / norm, 4) for x in v]


def main():
    rng = random.Random(7)
    frames = []
    for f in range(FRAMES):
        detections = []
        score_a = 0.3 if 15 <= f <= 17 else round(rng.uniform(0.7, 0.95), 2)
        detections.append({"box": box(100 + 12 * f, 300, 120, 80, rng), "score": score_a,
                           "class_id": 2, "feature": feature(0, rng)})
        detections.append({"box": box(1100 - 10 * f, 330, 130, 85, rng),
                           "score": round(rng.uniform(0.7, 0.95), 2), "class_id": 2,
                           "feature": feature(1, rng)})
        if not 20 <= f <= 24:
            detections.append({"box": box(200 + 8 * f, 500 + 3 * f, 200, 140, rng),
                               "score": round(rng.uniform(0.7, 0.95), 2), "class_id": 7,
                           "feature": feature(2, rng)})
        if f == 10:
            detections.append({"box": box(900, 120, 60, 50, rng), "score": 0.3, "class_id": 2,
                               "feature": feature(3, rng)})
        if f == 30:
            detections.append({"box": box(600, 100, 70, 60, rng), "score": 0.8, "class_id": 2,
                               "feature": feature(3, rng)})
        frames.append({"frame": f, "detections": detections})
    with open(os.path.join(HERE, "detections.json"), "w") as out:
        out.write('{\n  "generator": "make_golden.py",\n  "frames": [\n')
        for i, frame in enumerate(frames):
            out.write("    " + json.dumps(frame) + (",\n" if i + 1 < len(frames) else "\n"))
        out.write("  ]\n}\n")


if __name__ == "__main__":
    main()

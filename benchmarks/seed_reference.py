#!/usr/bin/python3
"""Seed-style Python reference for the end-to-end benchmark (benchmarks/run-end-to-end.sh).

The product grew from a Python prototype (../shared/seeds: Spark FrameProcessor): read a frame,
detect, filter to the ROI, track, estimate speeds with a homography, update the ROI
statistics, draw the results, encode the frame as base64 JPEG and publish it with the
vehicles and stats as one JSON message on a Redis stream. This script does that work the same
way, one frame after the other in one Python loop, with what Debian ships (python3-opencv,
python3-numpy, python3-redis): cv2.VideoCapture, the same YOLOX model through cv2.dnn at the
same network input size, the same letterbox, score threshold, vehicle classes and NMS as
yolodetect, the same detection interval, and a simple greedy IoU tracker.

Prints one JSON line: frames processed, seconds from the first processed frame to the last
(start-up excluded, as in the GStreamer figures), frames/s and CPU seconds.

  seed_reference.py --clip CLIP --model MODEL --calibration CAL.json --zones ZONES.json \\
      --redis-port PORT [--interval 0] [--input-size 416x256] [--score-threshold 0.1]
"""
import argparse
import base64
import json
import resource
import sys
import time

import os

import cv2
import numpy as np
import redis

# The letterbox, anchor grid and NMS of the independent Python reference the fidelity tests
# use (Python and cv2 only, nothing from the C++ side).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import reference_yolox  # noqa: E402

VEHICLES = {2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}   # COCO ids


class Detector:
    """YOLOX through cv2.dnn: top-left letterbox, raw-grid decode, class-aware NMS."""

    def __init__(self, model, in_w, in_h, score_thr, iou_thr):
        self.net = cv2.dnn.readNetFromONNX(model)
        self.in_w, self.in_h = in_w, in_h
        self.score_thr, self.iou_thr = score_thr, iou_thr
        self.grid = reference_yolox.grid(in_w, in_h)
        self.wanted = np.array(sorted(VEHICLES))

    def __call__(self, frame):
        h, w = frame.shape[:2]
        canvas, r = reference_yolox.letterbox(frame, self.in_w, self.in_h)
        self.net.setInput(cv2.dnn.blobFromImage(canvas))
        out = self.net.forward().reshape(len(self.grid), -1)
        cls_scores = out[:, 5 + self.wanted]
        best = cls_scores.argmax(axis=1)
        score = out[:, 4] * cls_scores[np.arange(len(out)), best]
        keep = score >= self.score_thr
        out, score, cls = out[keep], score[keep], self.wanted[best[keep]]
        grid = self.grid[keep]
        cxy = (out[:, 0:2] + grid[:, 0:2]) * grid[:, 2:3]
        wh = np.exp(out[:, 2:4]) * grid[:, 2:3]
        boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], axis=1) / r
        boxes = np.clip(boxes, 0, [w, h, w, h])
        order = reference_yolox.nms(boxes, score, cls, self.iou_thr)
        return [(boxes[i], int(cls[i]), float(score[i])) for i in order]


def iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class IouTracker:
    """Greedy IoU matching; a track is dropped after max_age frames with no detection."""

    def __init__(self, min_iou=0.3, max_age=30):
        self.min_iou, self.max_age = min_iou, max_age
        self.tracks, self.next_id = {}, 1

    def update(self, detections, frame_no):
        if detections is not None:   # None: a frame without inference (interval)
            free = set(self.tracks)
            for box, cls, score in detections:
                best, best_iou = None, self.min_iou
                for tid in free:
                    overlap = iou(box, self.tracks[tid]["box"])
                    if overlap >= best_iou:
                        best, best_iou = tid, overlap
                if best is None:
                    best, self.next_id = self.next_id, self.next_id + 1
                    self.tracks[best] = {"history": []}
                else:
                    free.discard(best)
                self.tracks[best].update(box=box, cls=cls, score=score, seen=frame_no)
        for tid in [t for t, v in self.tracks.items() if frame_no - v["seen"] > self.max_age]:
            del self.tracks[tid]
        return self.tracks


class SpeedEstimator:
    """Ground point (bottom centre) through the image-to-ground homography; km/h over ~1 s."""

    def __init__(self, calibration_file, window_s=1.0):
        with open(calibration_file) as f:
            self.h = np.array(json.load(f)["homography"], np.float64)
        self.window_s = window_s

    def update(self, tracks, t_s):
        speeds = {}
        for tid, track in tracks.items():
            box = track["box"]
            point = np.array([[[(box[0] + box[2]) / 2, box[3]]]], np.float64)
            world = cv2.perspectiveTransform(point, self.h)[0, 0]
            history = track["history"]
            history.append((t_s, world))
            while history and t_s - history[0][0] > self.window_s:
                history.pop(0)
            if len(history) >= 2 and history[-1][0] > history[0][0]:
                dist = np.linalg.norm(history[-1][1] - history[0][1])
                speeds[tid] = 3.6 * dist / (history[-1][0] - history[0][0])
        return speeds


class RoiStats:
    """The seed's VehicleAnalyticsTracker: entries, current count, speeding count."""

    def __init__(self, zones_file, speed_limit_kmh=60.0):
        with open(zones_file) as f:
            self.polygon = np.array(json.load(f)["zones"][0]["polygon"], np.float32)
        self.limit = speed_limit_kmh
        self.inside, self.total = set(), 0

    def update(self, tracks, speeds):
        now = set()
        for tid, track in tracks.items():
            box = track["box"]
            foot = (float((box[0] + box[2]) / 2), float(box[3]))
            if cv2.pointPolygonTest(self.polygon, foot, False) >= 0:
                now.add(tid)
        self.total += len(now - self.inside)
        self.inside = now
        return {"total_vehicles": self.total, "current_in_roi": len(now),
                "speeding_count": sum(1 for t in now if speeds.get(t, 0) > self.limit)}


def draw(frame, tracks, speeds, polygon):
    cv2.polylines(frame, [polygon.astype(np.int32)], True, (255, 200, 0), 2)
    for tid, track in tracks.items():
        x1, y1, x2, y2 = (int(v) for v in track["box"])
        cv2.rectangle(frame, (x1, y1), (x2, y2), (0, 255, 0), 2)
        label = f"#{tid} {speeds.get(tid, 0):.0f} km/h"
        cv2.putText(frame, label, (x1, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 255, 0), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--zones", required=True)
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--interval", type=int, default=0)
    ap.add_argument("--input-size", default="416x256")
    ap.add_argument("--score-threshold", type=float, default=0.1)
    ap.add_argument("--iou-threshold", type=float, default=0.45)
    ap.add_argument("--jpeg-quality", type=int, default=80)
    ap.add_argument("--stream", default="processed-frames")
    args = ap.parse_args()

    in_w, in_h = (int(v) for v in args.input_size.split("x"))
    detector = Detector(args.model, in_w, in_h, args.score_threshold, args.iou_threshold)
    tracker = IouTracker()
    speed = SpeedEstimator(args.calibration)
    stats = RoiStats(args.zones)
    r = redis.Redis(port=args.redis_port)
    cap = cv2.VideoCapture(args.clip)
    if not cap.isOpened():
        sys.exit(f"cv2.VideoCapture cannot open {args.clip}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0

    frame_no, t_first, cpu_first = 0, None, None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        detections = detector(frame) if frame_no % (args.interval + 1) == 0 else None
        tracks = tracker.update(detections, frame_no)
        speeds = speed.update(tracks, frame_no / fps)
        frame_stats = stats.update(tracks, speeds)
        draw(frame, tracks, speeds, stats.polygon)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality])
        message = {
            "video_id": 1,
            "frame_number": frame_no,
            "processed_frame": base64.b64encode(jpeg.tobytes()).decode("ascii"),
            "vehicles": [{"track_id": tid, "class_id": t["cls"],
                          "bbox": [round(float(v), 1) for v in t["box"]],
                          "speed": round(speeds.get(tid, 0.0), 1)} for tid, t in tracks.items()],
            "stats": frame_stats,
            "roi_polygon": stats.polygon.tolist(),
        }
        r.xadd(args.stream, {"data": json.dumps(message)})
        if t_first is None:   # time from the end of the first frame, as the GStreamer figures
            t_first, cpu_first = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        frame_no += 1
    wall = time.perf_counter() - t_first
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime - cpu_first.ru_utime) + (usage.ru_stime - cpu_first.ru_stime)
    timed = frame_no - 1
    print(json.dumps({"frames": frame_no, "timed_frames": timed, "wall_s": round(wall, 3),
                      "fps": round(timed / wall, 2), "cpu_s": round(cpu, 3),
                      "published": r.xlen(args.stream)}))


if __name__ == "__main__":
    main()

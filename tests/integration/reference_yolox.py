#!/usr/bin/python3
"""Independent YOLOX reference detector: numpy + cv2.dnn for the forward pass only.

Letterbox, grid decode and class-aware NMS are written here from the model's published
description (YOLOX: image at top-left, pad 114, BGR 0-255, raw grid output for strides
8/16/32), sharing no code with the roadwatch plugin.

Usage: reference_yolox.py MODEL CLIP [MAX_FRAMES]   (prints one detection per line)
"""
import sys

import cv2
import numpy as np
import onnx

STRIDES = (8, 16, 32)


def model_input_size(model_file):
    """(width, height) from the ONNX graph input, NCHW."""
    dims = onnx.load(model_file).graph.input[0].type.tensor_type.shape.dim
    return dims[3].dim_value, dims[2].dim_value


def letterbox(frame, in_w, in_h):
    """YOLOX letterbox: the resized frame at the top-left of a 114 canvas; returns (canvas, r)."""
    h, w = frame.shape[:2]
    r = min(in_w / w, in_h / h)
    sw, sh = int(round(w * r)), int(round(h * r))
    canvas = np.full((in_h, in_w, 3), 114, np.uint8)
    canvas[:sh, :sw] = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_LINEAR)
    return canvas, r


def grid(in_w, in_h):
    """(gx, gy, stride) per anchor in output order: strides ascending, rows, then columns."""
    parts = []
    for s in STRIDES:
        gy, gx = np.mgrid[0:in_h // s, 0:in_w // s]
        parts.append(np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, s)], axis=1))
    return np.concatenate(parts).astype(np.float32)


def nms(boxes, scores, classes, iou_thr):
    """Indices kept by greedy class-aware NMS, best score first."""
    order = np.argsort(-scores, kind="stable")
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        x1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        overlap = inter / (area[i] + area[rest] - inter)
        order = rest[(overlap <= iou_thr) | (classes[rest] != classes[i])]
    return keep


def decode(out, anchors, r, frame_w, frame_h, score_thr, iou_thr):
    """Raw YOLOX output (N x 5+C) -> list of (class, score, x1, y1, x2, y2) in frame pixels."""
    cxy = (out[:, 0:2] + anchors[:, 0:2]) * anchors[:, 2:3]
    wh = np.exp(out[:, 2:4]) * anchors[:, 2:3]
    cls = out[:, 5:].argmax(axis=1)
    score = out[:, 4] * out[np.arange(len(out)), 5 + cls]
    sel = score >= score_thr
    boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], axis=1)[sel] / r
    boxes = np.clip(boxes, 0, [frame_w, frame_h, frame_w, frame_h])
    cls, score = cls[sel], score[sel]
    return [(int(cls[i]), float(score[i]), *map(float, boxes[i]))
            for i in nms(boxes, score, cls, iou_thr)]


def detect_clip(model_file, clip, score_thr=0.25, iou_thr=0.45, max_frames=None,
                input_size=None):
    """Per-frame detections [(frame, class, score, x1, y1, x2, y2)] and the frame count.

    Frames come from the same GStreamer decoder and converter the element pipelines use.
    input_size: (width, height) of the network input; the model's declared size if None.
    """
    in_w, in_h = input_size or model_input_size(model_file)
    net = cv2.dnn.readNetFromONNX(model_file)
    anchors = grid(in_w, in_h)
    cap = cv2.VideoCapture(f"filesrc location={clip} ! decodebin ! videoconvert ! "
                           "video/x-raw,format=BGR ! appsink sync=false", cv2.CAP_GSTREAMER)
    if not cap.isOpened():
        raise RuntimeError(f"cv2.VideoCapture cannot open {clip} through GStreamer")
    dets, n = [], 0
    while max_frames is None or n < max_frames:
        ok, frame = cap.read()
        if not ok:
            break
        canvas, r = letterbox(frame, in_w, in_h)
        net.setInput(cv2.dnn.blobFromImage(canvas))        # NCHW float, BGR 0-255, no scaling
        out = net.forward().reshape(len(anchors), -1)
        h, w = frame.shape[:2]
        dets += [(n, *d) for d in decode(out, anchors, r, w, h, score_thr, iou_thr)]
        n += 1
    cap.release()
    return dets, n


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    found, frames = detect_clip(sys.argv[1], sys.argv[2],
                                max_frames=int(sys.argv[3]) if len(sys.argv) == 4 else None)
    for d in found:
        print("%d %d %.4f %.1f %.1f %.1f %.1f" % d)
    print(f"{frames} frames, {len(found)} detections", file=sys.stderr)

#!/usr/bin/python3
"""Build tiny ONNX models with known, constant outputs for the yolodetect decoder tests.

Every model takes "images" 1x3x64x64 and returns a constant tensor. The graph is
GlobalAveragePool -> 1x1 Conv with zero weights and the constant as bias -> Reshape, so the
output still depends on the network input (nothing is constant-folded away) and OpenCV 4.6's
ONNX importer reproduces the constant bit-exactly. (Add/Mul broadcasting of a 1x1x1 tensor
against the constant is rejected by OpenCV 4.6.)

Usage: make_models.py OUTDIR   (writes yolov5.onnx, yolov8.onnx, undecodable.onnx, labels.txt)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SIZE = 64                                   # square model input, pixels
GRID_CELLS = sum((INPUT_SIZE // s) ** 2 for s in (8, 16, 32))   # 84
LABELS = ("sedan", "van", "lorry")

# (slot, cx, cy, w, h, objectness, class scores) in model-input pixels. The YOLOv8 model puts
# anchor i in column `slot`, the YOLOv5 model in row 3*slot+2 (so both the first and the last
# rows are exercised). YOLOv8 has no objectness: its class scores are objectness * class score.
ANCHORS = (
    (0,  20, 24, 16, 12, 0.9,  (0.1, 0.8, 0.05)),  # "van" 0.72
    (37, 21, 25, 16, 12, 0.9,  (0.0, 0.6, 0.0)),   # "van" 0.54, IoU 0.75 with slot 0: NMS drops it
    (50, 22, 24, 16, 12, 1.0,  (0.0, 0.0, 0.5)),   # "lorry" 0.5 on slot 0: class-aware NMS keeps it
    (60, 40,  8,  8,  8, 0.8,  (0.0, 0.0, 0.9)),   # "lorry" 0.72, reaches into the top padding
    (70, 40, 30, 10, 10, 0.5,  (0.4, 0.0, 0.0)),   # "sedan" 0.2: below the 0.3 default threshold
    (83, 60, 50, 16, 20, 0.95, (0.95, 0.0, 0.0)),  # "sedan" 0.9025, runs off the right and bottom
)


def yolov5_output():
    """1 x 3*GRID_CELLS x (5+C): cx, cy, w, h, obj, class scores per row."""
    out = np.zeros((1, 3 * GRID_CELLS, 5 + len(LABELS)), np.float32)
    for slot, cx, cy, w, h, obj, cls in ANCHORS:
        out[0, 3 * slot + 2] = (cx, cy, w, h, obj, *cls)
    return out


def yolov8_output():
    """1 x (4+C) x GRID_CELLS: cx, cy, w, h, class scores per column."""
    out = np.zeros((1, 4 + len(LABELS), GRID_CELLS), np.float32)
    for slot, cx, cy, w, h, obj, cls in ANCHORS:
        out[0, :, slot] = (cx, cy, w, h, *(obj * np.float32(c) for c in cls))
    return out


def undecodable_output():
    """1 x 10 x 7: fits no YOLO layout for a 64x64 input."""
    return np.arange(70, dtype=np.float32).reshape(1, 10, 7) / 70


def constant_model(const):
    """An ONNX model mapping images 1x3xSxS to `const`, computed from the input."""
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Conv", ["pooled", "zero_w", "bias"], ["flat"], kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["flat", "shape"], ["output"]),
    ]
    inits = [
        numpy_helper.from_array(np.zeros((const.size, 3, 1, 1), np.float32), "zero_w"),
        numpy_helper.from_array(const.ravel(), "bias"),
        numpy_helper.from_array(np.array(const.shape, np.int64), "shape"),
    ]
    graph = helper.make_graph(
        nodes, "constant",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                       [1, 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(const.shape))], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)],
                              producer_name="roadwatch-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def build(outdir):
    """Write the three models and a label file into outdir; return {name: path}."""
    os.makedirs(outdir, exist_ok=True)
    paths = {}
    for name, const in (("yolov5", yolov5_output()), ("yolov8", yolov8_output()),
                        ("undecodable", undecodable_output())):
        paths[name] = os.path.join(outdir, name + ".onnx")
        onnx.save(constant_model(const), paths[name])
    paths["labels"] = os.path.join(outdir, "labels.txt")
    with open(paths["labels"], "w") as f:
        f.write("\n".join(LABELS) + "\n")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, path in build(sys.argv[1]).items():
        print(name, path)

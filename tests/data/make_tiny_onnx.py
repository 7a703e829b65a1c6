#!/usr/bin/python3
"""Writes the tiny ONNX fixtures of tests/unit/test_onnx_model_info.cpp into OUTDIR.

The build runs it (tests/unit/CMakeLists.txt); by hand, with Debian's python3 (python3-onnx):
/usr/bin/python3 tests/data/make_tiny_onnx.py OUTDIR

tiny_model.onnx          input "images" 1x3x64x64; the weight "bias" is also listed as a graph
                         input, first, the way old exporters did, so readers must skip it.
tiny_model_dynamic.onnx  input "images" batch x3x64x64 with a symbolic batch dimension.
not_a_model.onnx         a line of text with an .onnx name, as a user might pass by mistake.
yolox_like.onnx          input "images" 1x3x64x64 through the parts of a YOLOX export that
                         rw::detect::rewrite_for_opencv_cpu rewrites, with random weights: a
                         Focus stem (8 stride-2 Slices + Concat), Conv + SiLU as Mul(x, Sigmoid(x))
                         and as Mul(Sigmoid(x), x), and a Transpose [0,2,1] output. Decoys it must
                         leave alone: a Sigmoid read twice, and Mul(x, Sigmoid(y)).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper



def make_model(batch_dim, with_initializer_input):
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, [batch_dim, 3, 64, 64])
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch_dim, 3, 64, 64])
    bias = numpy_helper.from_array(np.zeros((1, 3, 1, 1), dtype=np.float32), name="bias")
    bias_input = helper.make_tensor_value_info("bias", TensorProto.FLOAT, [1, 3, 1, 1])
    node = helper.make_node("Add", ["images", "bias"], ["output"])
    inputs = [bias_input, images] if with_initializer_input else [images]
    graph = helper.make_graph([node], "tiny", inputs, [output], initializer=[bias])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def make_yolox_like():
    rng = np.random.default_rng(7)
    big = np.iinfo(np.int64).max
    inits = [numpy_helper.from_array(np.array(v, np.int64), name) for name, v in (
        ("zero", [0]), ("one", [1]), ("two", [2]), ("three", [3]), ("end", [big]),
        ("shape", [1, 8, -1]))]
    nodes, parts = [], []
    # YOLOX's Focus order: (even rows, even cols), (odd, even), (even, odd), (odd, odd).
    for k, (row, col) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
        start = {0: "zero", 1: "one"}
        nodes.append(helper.make_node("Slice", ["images", start[row], "end", "two", "two"],
                                      [f"rows{k}"]))
        nodes.append(helper.make_node("Slice", [f"rows{k}", start[col], "end", "three", "two"],
                                      [f"part{k}"]))
        parts.append(f"part{k}")
    nodes.append(helper.make_node("Concat", parts, ["focus"], axis=1))

    def conv(name, src, cin, cout, k):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal((cout, cin, k, k)) * 0.3).astype(np.float32), name + "_w"))
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(cout) * 0.1).astype(np.float32), name + "_b"))
        nodes.append(helper.make_node("Conv", [src, name + "_w", name + "_b"], [name],
                                      kernel_shape=[k, k], pads=[k // 2] * 4))

    conv("c1", "focus", 12, 8, 3)
    nodes += [helper.make_node("Sigmoid", ["c1"], ["c1_sig"]),
              helper.make_node("Mul", ["c1", "c1_sig"], ["a1"])]
    conv("c2", "a1", 8, 8, 1)
    nodes += [helper.make_node("Sigmoid", ["c2"], ["c2_sig"]),
              helper.make_node("Mul", ["c2_sig", "c2"], ["a2"])]
    # Decoys: a Sigmoid with two readers, and a Mul gated by another tensor's Sigmoid.
    nodes += [helper.make_node("Sigmoid", ["a2"], ["a2_sig"]),
              helper.make_node("Mul", ["a2", "a2_sig"], ["d1"]),
              helper.make_node("Add", ["d1", "a2_sig"], ["d2"]),
              helper.make_node("Sigmoid", ["a1"], ["a1_sig"]),
              helper.make_node("Mul", ["d2", "a1_sig"], ["d3"]),
              helper.make_node("Reshape", ["d3", "shape"], ["grid"]),
              helper.make_node("Transpose", ["grid"], ["output"], perm=[0, 2, 1])]
    graph = helper.make_graph(
        nodes, "yolox_like",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 32 * 32, 8])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return onnx.shape_inference.infer_shapes(model)   # value_info for every tensor, as exporters


if len(sys.argv) != 2:
    sys.exit(__doc__)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
onnx.save(make_model(1, True), os.path.join(out, "tiny_model.onnx"))
onnx.save(make_model("batch", False), os.path.join(out, "tiny_model_dynamic.onnx"))
onnx.save(make_yolox_like(), os.path.join(out, "yolox_like.onnx"))
with open(os.path.join(out, "not_a_model.onnx"), "w") as f:
    f.write("This is not an onnx model\n")

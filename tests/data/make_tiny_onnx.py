#!/usr/bin/python3
"""Writes the tiny ONNX fixtures of tests/unit/test_onnx_model_info.cpp into OUTDIR.

The build runs it (tests/unit/CMakeLists.txt); by hand, with Debian's python3 (python3-onnx):
/usr/bin/python3 tests/data/make_tiny_onnx.py OUTDIR

tiny_model.onnx          input "images" 1x3x64x64; the weight "bias" is also listed as a graph
                         input, first, the way old exporters did, so readers must skip it.
tiny_model_dynamic.onnx  input "images" batch x3x64x64 with a symbolic batch dimension.
not_a_model.onnx         a line of text with an .onnx name, as a user might pass by mistake.
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


if len(sys.argv) != 2:
    sys.exit(__doc__)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
onnx.save(make_model(1, True), os.path.join(out, "tiny_model.onnx"))
onnx.save(make_model("batch", False), os.path.join(out, "tiny_model_dynamic.onnx"))
with open(os.path.join(out, "not_a_model.onnx"), "w") as f:
    f.write("This is not an onnx model\n")

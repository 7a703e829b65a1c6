#!/usr/bin/python3
"""Regenerates the tiny ONNX fixtures of tests/unit/test_onnx_model_info.cpp.

Run with Debian's python3 (python3-onnx): /usr/bin/python3 tests/data/make_tiny_onnx.py

tiny_model.onnx          input "images" 1x3x64x64; the weight "bias" is also listed as a graph
                         input, first, the way old exporters did, so readers must skip it.
tiny_model_dynamic.onnx  input "images" batch x3x64x64 with a symbolic batch dimension.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


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


onnx.save(make_model(1, True), os.path.join(HERE, "tiny_model.onnx"))
onnx.save(make_model("batch", False), os.path.join(HERE, "tiny_model_dynamic.onnx"))

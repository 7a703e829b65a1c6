#pragma once

#include <string>
#include <string_view>

namespace rw::detect {

// What rewrite_for_opencv_cpu() changed. Each rewrite computes the same function as the
// original graph; only the work OpenCV 4.6 does on the CPU shrinks.
struct RewrittenModel {
  std::string bytes;  // the rewritten ONNX model (the input unchanged when nothing matched)
  // Sigmoid + Mul pairs (SiLU, "Swish") replaced by one kSiluOpType node, which OpenCV runs
  // vectorised and fused into the convolution before it (silu_layer.hpp).
  int silu_fused = 0;
  // A space-to-depth "Focus" stem (strided Slices + Concat on the input, YOLOv5 v1-5, YOLOX)
  // replaced by one 2x2 stride-2 convolution with 0/1 weights.
  bool focus_as_conv = false;
  // The final Transpose [0,2,1] taken off the graph: the network's output is the transpose of
  // the original's, and the caller transposes it back (cheaply, outside OpenCV's Permute).
  bool output_transposed = false;

  bool changed() const { return silu_fused > 0 || focus_as_conv || output_transposed; }
  // "104 SiLU fused, Focus stem as a convolution, output transpose outside the network"
  std::string summary() const;
};

// Rewrites a YOLO-family ONNX model for OpenCV's CPU backend; patterns that do not match
// exactly are left alone. Throws rw::Error when the bytes are not an ONNX model.
RewrittenModel rewrite_for_opencv_cpu(std::string_view model_bytes);

}  // namespace rw::detect

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rw::detect {

// What yolodetect needs to know about a model before OpenCV loads it. Reading the ONNX
// protobuf ourselves gives a precise "not an ONNX model" error instead of a protobuf trace,
// and OpenCV 4.6 does not expose the declared input shape.
struct OnnxModelInfo {
  std::string input_name;
  // Declared dimensions of the first graph input that is not an initializer; -1 = dynamic.
  std::vector<std::int64_t> input_shape;
};

// Throws rw::Error naming the path when the file is missing, unreadable or not an ONNX model.
OnnxModelInfo read_onnx_model_info(const std::string &path);

// The same checks on a model already in memory; `path` only names it in errors.
OnnxModelInfo parse_onnx_model_info(std::string_view bytes, const std::string &path);

// The whole file; throws rw::Error naming the path when it is missing or unreadable.
std::string read_model_file(const std::string &path);

}  // namespace rw::detect

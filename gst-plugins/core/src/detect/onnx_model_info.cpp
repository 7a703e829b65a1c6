#include "rw/detect/onnx_model_info.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "protobuf_wire.hpp"
#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

using proto::bytes_field;
using proto::Field;
using proto::for_each_field;
using proto::is_bytes;
using proto::kVarint;
using MalformedProto = proto::Malformed;

// Field numbers from onnx.proto, for the few messages on the way to the graph inputs.
constexpr std::uint64_t kModelIrVersion = 1;
constexpr std::uint64_t kModelGraph = 7;
constexpr std::uint64_t kGraphInitializer = 5;
constexpr std::uint64_t kGraphInput = 11;
constexpr std::uint64_t kTensorName = 8;
constexpr std::uint64_t kValueInfoName = 1;
constexpr std::uint64_t kValueInfoType = 2;
constexpr std::uint64_t kTypeTensorType = 1;
constexpr std::uint64_t kTensorTypeShape = 2;
constexpr std::uint64_t kShapeDim = 1;
constexpr std::uint64_t kDimValue = 1;
constexpr std::uint64_t kDimParam = 2;

std::int64_t parse_dimension(std::string_view dimension) {
  std::int64_t value = -1;
  for_each_field(dimension, [&](const Field &field) {
    if (field.number == kDimValue && field.wire_type == kVarint) {
      value = static_cast<std::int64_t>(field.varint);
    } else if (is_bytes(field, kDimParam)) {
      value = -1;
    }
  });
  return value;
}

std::vector<std::int64_t> parse_shape(std::string_view value_info) {
  const std::string_view shape = bytes_field(
      bytes_field(bytes_field(value_info, kValueInfoType), kTypeTensorType), kTensorTypeShape);
  std::vector<std::int64_t> dims;
  for_each_field(shape, [&](const Field &field) {
    if (is_bytes(field, kShapeDim)) dims.push_back(parse_dimension(field.bytes));
  });
  return dims;
}

}  // namespace

std::string read_model_file(const std::string &path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw Error("model file '" + path + "' does not exist");
  }
  const auto unreadable = [&] { return Error("model file '" + path + "' cannot be read"); };
  std::ifstream file(path, std::ios::binary);
  const auto size = std::filesystem::file_size(path, error);
  if (!file || error) throw unreadable();
  std::string bytes(size, '\0');
  if (!file.read(bytes.data(), static_cast<std::streamsize>(size))) throw unreadable();
  return bytes;
}

OnnxModelInfo read_onnx_model_info(const std::string &path) {
  return parse_onnx_model_info(read_model_file(path), path);
}

OnnxModelInfo parse_onnx_model_info(std::string_view bytes, const std::string &path) {
  try {
    if (bytes.empty()) throw MalformedProto("empty file");
    bool has_ir_version = false;
    std::optional<std::string_view> graph;
    for_each_field(bytes, [&](const Field &field) {
      if (field.number == kModelIrVersion && field.wire_type == kVarint) has_ir_version = true;
      if (is_bytes(field, kModelGraph)) graph = field.bytes;
    });
    if (!has_ir_version) throw MalformedProto("no ir_version");
    if (!graph) throw MalformedProto("no graph");

    std::unordered_set<std::string_view> initializers;
    std::vector<std::string_view> inputs;
    for_each_field(*graph, [&](const Field &field) {
      if (is_bytes(field, kGraphInitializer)) {
        initializers.insert(bytes_field(field.bytes, kTensorName));
      } else if (is_bytes(field, kGraphInput)) {
        inputs.push_back(field.bytes);
      }
    });
    // Older exporters also list the weights as graph inputs.
    for (const std::string_view input : inputs) {
      const std::string_view name = bytes_field(input, kValueInfoName);
      if (!initializers.contains(name)) return {std::string(name), parse_shape(input)};
    }
  } catch (const MalformedProto &e) {
    throw Error("'" + path + "' is not an ONNX model (" + e.what() + ")");
  }
  throw Error("'" + path + "' has no graph input");
}

}  // namespace rw::detect

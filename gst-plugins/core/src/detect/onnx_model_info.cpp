#include "rw/detect/onnx_model_info.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

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

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A protobuf wire-format violation; read_onnx_model_info() names the file around it.
class MalformedProto : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Field {
  std::uint64_t number = 0;
  int wire_type = kVarint;
  std::uint64_t varint = 0;
  std::string_view bytes;
};

// Reads the fields of one message; every read is checked against the end of the message.
class FieldReader {
 public:
  explicit FieldReader(std::string_view message) : rest_(message) {}

  std::optional<Field> next() {
    if (rest_.empty()) return std::nullopt;
    const std::uint64_t tag = read_varint();
    Field field;
    field.number = tag >> 3;
    field.wire_type = static_cast<int>(tag & 7);
    if (field.number == 0) throw MalformedProto("field number 0");
    switch (field.wire_type) {
      case kVarint:
        field.varint = read_varint();
        break;
      case kFixed64:
        take(8);
        break;
      case kLengthDelimited:
        field.bytes = take(read_varint());
        break;
      case kFixed32:
        take(4);
        break;
      default:
        throw MalformedProto("invalid wire type " + std::to_string(field.wire_type));
    }
    return field;
  }

 private:
  std::uint64_t read_varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) throw MalformedProto("truncated varint");
      const auto byte = static_cast<std::uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw MalformedProto("varint longer than 10 bytes");
  }

  std::string_view take(std::uint64_t size) {
    if (size > rest_.size()) {
      throw MalformedProto("a field of " + std::to_string(size) +
                           " bytes runs past the end of its message");
    }
    const std::string_view taken = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return taken;
  }

  std::string_view rest_;
};

template <typename Visit>
void for_each_field(std::string_view message, Visit visit) {
  FieldReader reader(message);
  while (const auto field = reader.next()) visit(*field);
}

bool is_bytes(const Field &field, std::uint64_t number) {
  return field.number == number && field.wire_type == kLengthDelimited;
}

// The last occurrence of a string or sub-message field; empty when absent.
std::string_view bytes_field(std::string_view message, std::uint64_t number) {
  std::string_view found;
  for_each_field(message, [&](const Field &field) {
    if (is_bytes(field, number)) found = field.bytes;
  });
  return found;
}

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

std::string read_file(const std::string &path) {
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

}  // namespace

OnnxModelInfo read_onnx_model_info(const std::string &path) {
  const std::string bytes = read_file(path);
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

#include "onnx_graph.hpp"

#include <cstring>
#include <unordered_set>

#include "protobuf_wire.hpp"

namespace rw::detect::onnx {
namespace {

using proto::bytes_field;
using proto::Field;
using proto::for_each_field;
using proto::is_bytes;

constexpr std::uint64_t kModelGraph = 7;
constexpr std::uint64_t kGraphNode = 1;
constexpr std::uint64_t kGraphInitializer = 5;
constexpr std::uint64_t kGraphInput = 11;
constexpr std::uint64_t kGraphOutput = 12;
constexpr std::uint64_t kGraphValueInfo = 13;
constexpr std::uint64_t kNodeInput = 1;
constexpr std::uint64_t kNodeOutput = 2;
constexpr std::uint64_t kNodeName = 3;
constexpr std::uint64_t kNodeOpType = 4;
constexpr std::uint64_t kNodeAttribute = 5;
constexpr std::uint64_t kNodeDomain = 7;
constexpr std::uint64_t kAttributeName = 1;
constexpr std::uint64_t kAttributeInt = 3;
constexpr std::uint64_t kAttributeInts = 8;
constexpr std::uint64_t kAttributeType = 20;
constexpr std::uint64_t kAttributeTypeInts = 7;
constexpr std::uint64_t kTensorDims = 1;
constexpr std::uint64_t kTensorDataType = 2;
constexpr std::uint64_t kTensorInt64Data = 7;
constexpr std::uint64_t kTensorName = 8;
constexpr std::uint64_t kTensorRawData = 9;
constexpr std::uint64_t kTensorTypeFloat = 1;
constexpr std::uint64_t kTensorTypeInt64 = 7;
constexpr std::uint64_t kValueInfoName = 1;
constexpr std::uint64_t kValueInfoType = 2;
constexpr std::uint64_t kTypeTensorType = 1;
constexpr std::uint64_t kTensorTypeElemType = 1;
constexpr std::uint64_t kTensorTypeShape = 2;
constexpr std::uint64_t kShapeDim = 1;
constexpr std::uint64_t kDimValue = 1;

// Repeated int64 fields come packed (one length-delimited run of varints) or one per field.
void append_ints(const Field &field, std::vector<std::int64_t> &out) {
  if (field.wire_type == proto::kVarint) {
    out.push_back(static_cast<std::int64_t>(field.varint));
  } else if (field.wire_type == proto::kLengthDelimited) {
    std::string_view run = field.bytes;
    while (!run.empty()) out.push_back(static_cast<std::int64_t>(proto::read_varint(run)));
  }
}

std::vector<std::int64_t> parse_shape(std::string_view value_info) {
  const std::string_view shape = bytes_field(
      bytes_field(bytes_field(value_info, kValueInfoType), kTypeTensorType), kTensorTypeShape);
  std::vector<std::int64_t> dims;
  for_each_field(shape, [&](const Field &dim) {
    if (!is_bytes(dim, kShapeDim)) return;
    std::int64_t value = -1;
    for_each_field(dim.bytes, [&](const Field &f) {
      if (f.number == kDimValue && f.wire_type == proto::kVarint) {
        value = static_cast<std::int64_t>(f.varint);
      }
    });
    dims.push_back(value);
  });
  return dims;
}

Node parse_node(std::string_view message) {
  Node node;
  for_each_field(message, [&](const Field &f) {
    if (f.wire_type != proto::kLengthDelimited) return;
    const std::string text(f.bytes);
    switch (f.number) {
      case kNodeInput:
        node.inputs.push_back(text);
        break;
      case kNodeOutput:
        node.outputs.push_back(text);
        break;
      case kNodeName:
        node.name = text;
        break;
      case kNodeOpType:
        node.op_type = text;
        break;
      case kNodeAttribute:
        node.attributes.push_back(text);
        break;
      case kNodeDomain:
        node.domain = text;
        break;
      default:
        break;  // doc_string
    }
  });
  return node;
}

std::string encode_node(const Node &node) {
  std::string out;
  for (const std::string &input : node.inputs) proto::put_bytes_field(out, kNodeInput, input);
  for (const std::string &output : node.outputs) proto::put_bytes_field(out, kNodeOutput, output);
  if (!node.name.empty()) proto::put_bytes_field(out, kNodeName, node.name);
  proto::put_bytes_field(out, kNodeOpType, node.op_type);
  for (const std::string &attribute : node.attributes) {
    proto::put_bytes_field(out, kNodeAttribute, attribute);
  }
  if (!node.domain.empty()) proto::put_bytes_field(out, kNodeDomain, node.domain);
  return out;
}

// The attribute message called `name`, or empty.
std::string_view find_attribute(const std::vector<std::string> &attributes, std::string_view name) {
  for (const std::string &attribute : attributes) {
    if (bytes_field(attribute, kAttributeName) == name) return attribute;
  }
  return {};
}

std::int64_t read_le_int64(const char *bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<std::uint8_t>(bytes[i]);
  return static_cast<std::int64_t>(value);
}

}  // namespace

std::optional<std::int64_t> Node::int_attribute(std::string_view attribute) const {
  const std::string_view message = find_attribute(attributes, attribute);
  std::optional<std::int64_t> value;
  for_each_field(message, [&](const Field &f) {
    if (f.number == kAttributeInt && f.wire_type == proto::kVarint) {
      value = static_cast<std::int64_t>(f.varint);
    }
  });
  return value;
}

std::optional<std::vector<std::int64_t>> Node::ints_attribute(std::string_view attribute) const {
  const std::string_view message = find_attribute(attributes, attribute);
  if (message.empty()) return std::nullopt;
  std::vector<std::int64_t> values;
  for_each_field(message, [&](const Field &f) {
    if (f.number == kAttributeInts) append_ints(f, values);
  });
  return values;
}

Model::Model(std::string_view bytes) : bytes_(bytes) {
  bool has_graph = false;
  for_each_field(bytes_, [&](const Field &f) {
    if (is_bytes(f, kModelGraph)) {
      graph_ = f.bytes;
      has_graph = true;
    }
  });
  if (!has_graph) throw proto::Malformed("no graph");
  std::vector<std::string_view> declared_inputs;
  for_each_field(graph_, [&](const Field &f) {
    if (f.wire_type != proto::kLengthDelimited) return;
    switch (f.number) {
      case kGraphNode:
        nodes.push_back(parse_node(f.bytes));
        break;
      case kGraphInitializer:
        initializers_.emplace(std::string(bytes_field(f.bytes, kTensorName)), f.bytes);
        break;
      case kGraphInput:
        declared_inputs.push_back(f.bytes);
        break;
      case kGraphOutput:
        outputs.emplace_back(bytes_field(f.bytes, kValueInfoName));
        break;
      default:
        break;
    }
  });
  // Older exporters also list the weights as graph inputs.
  for (const std::string_view input : declared_inputs) {
    std::string name(bytes_field(input, kValueInfoName));
    if (!initializers_.contains(name)) inputs.push_back({std::move(name), parse_shape(input)});
  }
  original_outputs_ = outputs;
}

std::optional<std::vector<std::int64_t>> Model::int64_initializer(const std::string &tensor) const {
  const auto found = initializers_.find(tensor);
  if (found == initializers_.end()) return std::nullopt;
  std::uint64_t data_type = 0;
  std::string_view raw;
  std::vector<std::int64_t> values;
  for_each_field(found->second, [&](const Field &f) {
    if (f.number == kTensorDataType && f.wire_type == proto::kVarint) data_type = f.varint;
    if (is_bytes(f, kTensorRawData)) raw = f.bytes;
    if (f.number == kTensorInt64Data) append_ints(f, values);
  });
  if (data_type != kTensorTypeInt64 || raw.size() % 8 != 0) return std::nullopt;
  for (std::size_t at = 0; at < raw.size(); at += 8) values.push_back(read_le_int64(&raw[at]));
  return values;
}

void Model::add_float_initializer(const std::string &tensor, const std::vector<std::int64_t> &dims,
                                  const std::vector<float> &values) {
  std::string message;
  for (const std::int64_t dim : dims) {
    proto::put_varint_field(message, kTensorDims, static_cast<std::uint64_t>(dim));
  }
  proto::put_varint_field(message, kTensorDataType, kTensorTypeFloat);
  proto::put_bytes_field(message, kTensorName, tensor);
  std::string raw(values.size() * sizeof(float), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());  // ONNX raw data is little-endian, as x86
  proto::put_bytes_field(message, kTensorRawData, raw);
  new_initializers_.push_back(std::move(message));
}

std::string Model::serialize() const {
  std::unordered_set<std::string_view> produced;
  for (const Node &node : nodes) produced.insert(node.outputs.begin(), node.outputs.end());
  // Declared types of intermediate tensors, for outputs renamed to one of them.
  std::unordered_map<std::string_view, std::string_view> declared;
  for_each_field(graph_, [&](const Field &f) {
    if (is_bytes(f, kGraphValueInfo)) declared[bytes_field(f.bytes, kValueInfoName)] = f.bytes;
  });
  std::unordered_set<std::string_view> promoted;  // intermediate tensors now graph outputs
  for (std::size_t i = 0; i < outputs.size() && i < original_outputs_.size(); ++i) {
    if (outputs[i] != original_outputs_[i]) promoted.insert(outputs[i]);
  }

  std::string graph;
  bool nodes_written = false;
  std::size_t output_index = 0;
  for_each_field(graph_, [&](const Field &f) {
    if (is_bytes(f, kGraphNode)) {
      if (nodes_written) return;
      for (const Node &node : nodes) proto::put_bytes_field(graph, kGraphNode, encode_node(node));
      nodes_written = true;
    } else if (is_bytes(f, kGraphOutput)) {
      const std::size_t i = output_index++;
      if (i >= outputs.size()) return;
      if (outputs[i] == original_outputs_[i]) {
        graph.append(f.encoded);
      } else if (const auto known = declared.find(outputs[i]); known != declared.end()) {
        proto::put_bytes_field(graph, kGraphOutput, known->second);
      } else {
        // Readers (OpenCV among them) want a type on every output: float, shape unknown.
        std::string tensor_type, type, renamed;
        proto::put_varint_field(tensor_type, kTensorTypeElemType, kTensorTypeFloat);
        proto::put_bytes_field(type, kTypeTensorType, tensor_type);
        proto::put_bytes_field(renamed, kValueInfoName, outputs[i]);
        proto::put_bytes_field(renamed, kValueInfoType, type);
        proto::put_bytes_field(graph, kGraphOutput, renamed);
      }
    } else if (is_bytes(f, kGraphValueInfo)) {
      const std::string_view name = bytes_field(f.bytes, kValueInfoName);
      if (produced.contains(name) && !promoted.contains(name)) graph.append(f.encoded);
    } else {
      graph.append(f.encoded);
    }
  });
  for (const std::string &tensor : new_initializers_) {
    proto::put_bytes_field(graph, kGraphInitializer, tensor);
  }

  std::string model;
  for_each_field(bytes_, [&](const Field &f) {
    if (is_bytes(f, kModelGraph)) {
      proto::put_bytes_field(model, kModelGraph, graph);
    } else {
      model.append(f.encoded);
    }
  });
  return model;
}

std::string ints_attribute(std::string_view name, const std::vector<std::int64_t> &values) {
  std::string message;
  proto::put_bytes_field(message, kAttributeName, name);
  for (const std::int64_t v : values) {
    proto::put_varint_field(message, kAttributeInts, static_cast<std::uint64_t>(v));
  }
  proto::put_varint_field(message, kAttributeType, kAttributeTypeInts);
  return message;
}

}  // namespace rw::detect::onnx

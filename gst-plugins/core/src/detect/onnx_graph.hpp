#pragma once

// An ONNX model opened for editing its graph's nodes: the node list, graph inputs, outputs and
// int64 initializers are parsed; everything else is kept as encoded bytes and written back
// unchanged. Field numbers are those of onnx.proto.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rw::detect::onnx {

struct Node {
  std::vector<std::string> inputs, outputs;
  std::string name, op_type, domain;
  std::vector<std::string> attributes;  // encoded AttributeProto messages

  std::optional<std::int64_t> int_attribute(std::string_view attribute) const;
  std::optional<std::vector<std::int64_t>> ints_attribute(std::string_view attribute) const;
};

struct ValueInfo {
  std::string name;
  std::vector<std::int64_t> shape;  // -1 = dynamic; empty when not declared
};

class Model {
 public:
  // Throws proto::Malformed when the bytes are not an ONNX model with a graph. Keeps views
  // into `bytes`, which must outlive the Model.
  explicit Model(std::string_view bytes);

  std::vector<Node> nodes;           // in graph (topological) order
  std::vector<ValueInfo> inputs;     // graph inputs that are not initializers
  std::vector<std::string> outputs;  // graph output names

  // Values of an int64 initializer (raw or typed storage); nullopt for other types or names.
  std::optional<std::vector<std::int64_t>> int64_initializer(const std::string &tensor) const;
  void add_float_initializer(const std::string &tensor, const std::vector<std::int64_t> &dims,
                             const std::vector<float> &values);

  // The model with the edited graph. Declared types of tensors no node produces any more are
  // dropped; a graph output renamed to an intermediate tensor takes that tensor's declared
  // type (or float of unknown shape).
  std::string serialize() const;

 private:
  std::string_view bytes_, graph_;
  std::vector<std::string> original_outputs_;
  std::unordered_map<std::string, std::string_view> initializers_;  // name -> TensorProto
  std::vector<std::string> new_initializers_;                       // encoded TensorProto
};

// An AttributeProto holding a list of integers.
std::string ints_attribute(std::string_view name, const std::vector<std::int64_t> &values);

}  // namespace rw::detect::onnx

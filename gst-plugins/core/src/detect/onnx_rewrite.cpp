#include "rw/detect/onnx_rewrite.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "onnx_graph.hpp"
#include "protobuf_wire.hpp"
#include "rw/common/error.hpp"
#include "rw/detect/silu_layer.hpp"

namespace rw::detect {
namespace {

using onnx::Model;
using onnx::Node;

// Who produces and who reads each tensor, for the node list as it is now.
struct Uses {
  std::unordered_map<std::string, std::size_t> producer;
  std::unordered_map<std::string, int> readers;  // graph outputs count as a reader

  explicit Uses(const Model &model) {
    for (std::size_t i = 0; i < model.nodes.size(); ++i) {
      for (const std::string &out : model.nodes[i].outputs) producer[out] = i;
      for (const std::string &in : model.nodes[i].inputs) ++readers[in];
    }
    for (const std::string &out : model.outputs) ++readers[out];
  }

  // The node producing `tensor` when it is an `op_type` read by nobody else.
  std::optional<std::size_t> sole_producer(const Model &model, const std::string &tensor,
                                           const char *op_type) const {
    const auto found = producer.find(tensor);
    if (found == producer.end() || model.nodes[found->second].op_type != op_type) {
      return std::nullopt;
    }
    const auto count = readers.find(tensor);
    if (count == readers.end() || count->second != 1) return std::nullopt;
    return found->second;
  }
};

void erase_nodes(Model &model, const std::vector<bool> &dead) {
  std::size_t i = 0;
  std::erase_if(model.nodes, [&](const Node &) { return dead[i++]; });
}

// Mul(x, Sigmoid(x)) -> SiLU(x).
int fuse_silu(Model &model) {
  const Uses uses(model);
  std::vector<bool> dead(model.nodes.size(), false);
  int fused = 0;
  for (Node &mul : model.nodes) {
    if (mul.op_type != "Mul" || !mul.domain.empty() || mul.inputs.size() != 2) continue;
    for (std::size_t gate = 0; gate < 2; ++gate) {
      const std::string &x = mul.inputs[1 - gate];
      const auto sigmoid = uses.sole_producer(model, mul.inputs[gate], "Sigmoid");
      if (!sigmoid || dead[*sigmoid] || model.nodes[*sigmoid].inputs.size() != 1 ||
          model.nodes[*sigmoid].inputs[0] != x) {
        continue;
      }
      dead[*sigmoid] = true;
      mul.op_type = kSiluOpType;
      mul.inputs = {x};
      mul.attributes.clear();
      ++fused;
      break;
    }
  }
  erase_nodes(model, dead);
  return fused;
}

// One Slice of a Focus stem: every second row or column of `data` from `start` (0 or 1).
struct StrideTwoSlice {
  std::string data;
  int axis = 0;
  int start = 0;
};

std::optional<std::int64_t> single_int(const Model &model, const std::string &tensor) {
  const auto values = model.int64_initializer(tensor);
  if (!values || values->size() != 1) return std::nullopt;
  return values->front();
}

// Slice(data, starts, ends, axes, steps) with one axis (2 or 3 of NCHW), step 2, start 0 or 1
// and an end past any real size (opset 10+ form; exporters write INT64_MAX).
std::optional<StrideTwoSlice> stride_two_slice(const Model &model, const Node &slice) {
  if (slice.inputs.size() != 5 || !slice.domain.empty()) return std::nullopt;
  const auto start = single_int(model, slice.inputs[1]);
  const auto end = single_int(model, slice.inputs[2]);
  auto axis = single_int(model, slice.inputs[3]);
  const auto step = single_int(model, slice.inputs[4]);
  if (!start || !end || !axis || !step) return std::nullopt;
  if (*axis < 0) *axis += 4;
  if (*step != 2 || (*start != 0 && *start != 1) || (*axis != 2 && *axis != 3) ||
      *end < std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }
  return StrideTwoSlice{slice.inputs[0], static_cast<int>(*axis), static_cast<int>(*start)};
}

// Concat(axis 1) of Slice(Slice(x)) pairs on a graph input x -> Conv(x, one-hot 2x2 weights,
// stride 2): output channel k*C + c copies channel c at row offset dy, column offset dx of
// the k-th pair. Multiplying by 1 and adding zeros is exact, so the outputs are identical.
bool focus_as_conv(Model &model) {
  const Uses uses(model);
  for (std::size_t ci = 0; ci < model.nodes.size(); ++ci) {
    const Node &concat = model.nodes[ci];
    if (concat.op_type != "Concat" || concat.int_attribute("axis") != 1 ||
        concat.inputs.size() < 2) {
      continue;
    }
    std::vector<std::size_t> slices;
    std::vector<std::pair<int, int>> offsets;  // (dy, dx) per concat input
    std::string source;
    for (const std::string &part : concat.inputs) {
      const auto outer = uses.sole_producer(model, part, "Slice");
      if (!outer) break;
      const auto second = stride_two_slice(model, model.nodes[*outer]);
      if (!second) break;
      const auto inner = uses.sole_producer(model, second->data, "Slice");
      if (!inner) break;
      const auto first = stride_two_slice(model, model.nodes[*inner]);
      if (!first || first->axis == second->axis) break;
      if (!source.empty() && first->data != source) break;
      source = first->data;
      const int dy = first->axis == 2 ? first->start : second->start;
      const int dx = first->axis == 3 ? first->start : second->start;
      offsets.emplace_back(dy, dx);
      slices.push_back(*outer);
      slices.push_back(*inner);
    }
    if (offsets.size() != concat.inputs.size()) continue;
    const auto input = std::find_if(model.inputs.begin(), model.inputs.end(),
                                    [&](const onnx::ValueInfo &v) { return v.name == source; });
    if (input == model.inputs.end() || input->shape.size() != 4 || input->shape[1] <= 0) continue;

    const std::int64_t channels = input->shape[1];
    const auto parts = static_cast<std::int64_t>(offsets.size());
    std::vector<float> weights(static_cast<std::size_t>(parts * channels * channels * 4), 0.0f);
    for (std::int64_t k = 0; k < parts; ++k) {
      const auto [dy, dx] = offsets[static_cast<std::size_t>(k)];
      for (std::int64_t c = 0; c < channels; ++c) {
        const std::int64_t out_channel = k * channels + c;
        weights[static_cast<std::size_t>(((out_channel * channels + c) * 2 + dy) * 2 + dx)] = 1.0f;
      }
    }
    const std::string weight_name = concat.outputs.front() + "_rw_focus_weights";
    model.add_float_initializer(weight_name, {parts * channels, channels, 2, 2}, weights);
    Node conv;
    conv.name = concat.name + "_rw_focus";
    conv.op_type = "Conv";
    conv.inputs = {source, weight_name};
    conv.outputs = concat.outputs;
    conv.attributes = {onnx::ints_attribute("kernel_shape", {2, 2}),
                       onnx::ints_attribute("strides", {2, 2})};
    model.nodes[ci] = std::move(conv);
    std::vector<bool> dead(model.nodes.size(), false);
    for (const std::size_t s : slices) dead[s] = true;
    erase_nodes(model, dead);
    return true;
  }
  return false;
}

// The single graph output made by Transpose(perm [0,2,1]) -> the Transpose's input.
bool drop_output_transpose(Model &model) {
  if (model.outputs.size() != 1) return false;
  const Uses uses(model);
  const auto transpose = uses.sole_producer(model, model.outputs.front(), "Transpose");
  if (!transpose) return false;
  const Node &node = model.nodes[*transpose];
  if (node.inputs.size() != 1 ||
      node.ints_attribute("perm") != std::vector<std::int64_t>{0, 2, 1}) {
    return false;
  }
  const auto readers = uses.readers.find(node.inputs[0]);
  if (readers == uses.readers.end() || readers->second != 1) return false;
  model.outputs.front() = node.inputs[0];
  model.nodes.erase(model.nodes.begin() + static_cast<std::ptrdiff_t>(*transpose));
  return true;
}

}  // namespace

std::string RewrittenModel::summary() const {
  if (!changed()) return "no rewrite applies";
  std::string text;
  const auto add = [&](const std::string &part) { text += (text.empty() ? "" : ", ") + part; };
  if (silu_fused > 0) add(std::to_string(silu_fused) + " SiLU fused");
  if (focus_as_conv) add("Focus stem as a convolution");
  if (output_transposed) add("output transpose outside the network");
  return text;
}

RewrittenModel rewrite_for_opencv_cpu(std::string_view model_bytes) {
  RewrittenModel result;
  try {
    Model model(model_bytes);
    result.silu_fused = fuse_silu(model);
    result.focus_as_conv = focus_as_conv(model);
    result.output_transposed = drop_output_transpose(model);
    result.bytes = result.changed() ? model.serialize() : std::string(model_bytes);
  } catch (const proto::Malformed &e) {
    throw Error(std::string("cannot rewrite the ONNX model: ") + e.what());
  }
  return result;
}

}  // namespace rw::detect

#include "rw/detect/input_size.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

constexpr int kMaxSidePx = 8192;

int round_up_to_stride(long long size_px) {
  const long long stride = kModelStridePx;
  return static_cast<int>(std::max(stride, (size_px + stride - 1) / stride * stride));
}

std::optional<int> parse_side(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

InputSizeRequest parse_input_size(std::string_view text) {
  if (text == "auto" || text.empty()) return {};
  if (text == "model") return {InputSizeRequest::Mode::kModel, {}};
  const std::size_t x = text.find('x');
  const auto width = x == std::string_view::npos ? std::nullopt : parse_side(text.substr(0, x));
  const auto height = x == std::string_view::npos ? std::nullopt : parse_side(text.substr(x + 1));
  const auto valid = [](std::optional<int> side) {
    return side && *side >= kModelStridePx && *side <= kMaxSidePx && *side % kModelStridePx == 0;
  };
  if (!valid(width) || !valid(height)) {
    throw Error("input-size '" + std::string(text) +
                "' is not 'auto', 'model' or WIDTHxHEIGHT with both sides multiples of " +
                std::to_string(kModelStridePx) + " between " + std::to_string(kModelStridePx) +
                " and " + std::to_string(kMaxSidePx) + " (e.g. 416x256)");
  }
  return {InputSizeRequest::Mode::kFixed, {*width, *height}};
}

std::string to_string(SizePx size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

std::string to_string(const InputSizeRequest &request) {
  switch (request.mode) {
    case InputSizeRequest::Mode::kAuto:
      return "auto";
    case InputSizeRequest::Mode::kModel:
      return "model";
    case InputSizeRequest::Mode::kFixed:
      return to_string(request.fixed);
  }
  return "?";
}

SizePx resolve_input_size(const InputSizeRequest &request, SizePx model_px, SizePx frame_px) {
  switch (request.mode) {
    case InputSizeRequest::Mode::kModel:
      return model_px;
    case InputSizeRequest::Mode::kFixed:
      return request.fixed;
    case InputSizeRequest::Mode::kAuto:
      break;
  }
  if (frame_px.width <= 0 || frame_px.height <= 0) return model_px;
  const int long_side = round_up_to_stride(std::max(model_px.width, model_px.height));
  // The short side in exact integer arithmetic: ceil(long * short_frame / long_frame).
  const auto fit = [&](int short_frame, int long_frame) {
    const long long scaled =
        (static_cast<long long>(long_side) * short_frame + long_frame - 1) / long_frame;
    return std::min(long_side, round_up_to_stride(scaled));
  };
  if (frame_px.width >= frame_px.height) {
    return {long_side, fit(frame_px.height, frame_px.width)};
  }
  return {fit(frame_px.width, frame_px.height), long_side};
}

}  // namespace rw::detect

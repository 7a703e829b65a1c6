#pragma once

#include <string>
#include <string_view>

namespace rw::detect {

// The coarsest stride of the YOLO heads: network input sides must be multiples of it.
inline constexpr int kModelStridePx = 32;

struct SizePx {
  int width = 0;
  int height = 0;
  friend bool operator==(const SizePx &, const SizePx &) = default;
};

// Which size the network runs at:
//  kAuto   the frame's aspect ratio with the model's long side, each side rounded up to
//          kModelStridePx. A 16:9 frame and a 416x416 model give 416x256: the letterboxed
//          frame is 416x234 either way, so the detections are the same for 63 % of the work.
//  kModel  the size the model declares (square for most exports).
//  kFixed  width x height as given (multiples of kModelStridePx).
struct InputSizeRequest {
  enum class Mode { kAuto, kModel, kFixed };
  Mode mode = Mode::kAuto;
  SizePx fixed;
  friend bool operator==(const InputSizeRequest &, const InputSizeRequest &) = default;
};

// "auto", "model" or "WxH" (e.g. "416x256"); throws rw::Error saying what is accepted.
InputSizeRequest parse_input_size(std::string_view text);
std::string to_string(const InputSizeRequest &request);
std::string to_string(SizePx size);

// The network input for frames of frame_px, from the model's declared size model_px.
SizePx resolve_input_size(const InputSizeRequest &request, SizePx model_px, SizePx frame_px);

}  // namespace rw::detect

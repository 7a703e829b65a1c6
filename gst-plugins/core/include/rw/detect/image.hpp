#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace rw::detect {

// Pixel layouts yolodetect accepts without a videoconvert in front of it.
enum class PixelFormat { kBgr, kRgb, kBgrx, kRgbx, kBgra, kRgba, kI420, kNv12 };

// A frame that someone else owns: plane pointers and strides as the decoder laid them out.
// Packed formats use plane 0; I420 uses Y, U, V; NV12 uses Y and interleaved UV.
struct ImageView {
  PixelFormat format = PixelFormat::kBgr;
  int width = 0;
  int height = 0;
  std::array<const std::uint8_t *, 3> planes{};
  std::array<std::size_t, 3> strides_bytes{};
};

}  // namespace rw::detect

#pragma once

#include <cstdint>

#include <opencv2/core/mat.hpp>

#include "rw/detect/box.hpp"
#include "rw/detect/image.hpp"

namespace rw::detect {

// Where the padding goes: YOLOX pads right/bottom, Ultralytics models pad both sides equally.
enum class PadPlacement { kTopLeft, kCentered };

// Geometry of fitting a frame into a model input without distorting it: the frame is scaled
// by (scale_x, scale_y) to scaled_w x scaled_h and placed at (pad_x, pad_y). The two scales
// differ only by the rounding of the scaled size to whole (or even) pixels.
struct Letterbox {
  int frame_w = 0, frame_h = 0;
  int input_w = 0, input_h = 0;
  int scaled_w = 0, scaled_h = 0;
  int pad_x = 0, pad_y = 0;
  double scale_x = 1, scale_y = 1;

  // Model-input pixels -> frame pixels, clamped to the frame.
  Box to_frame(const Box &input_box) const;
  // Frame pixels -> model-input pixels.
  Box to_input(const Box &frame_box) const;
};

// even_size rounds the scaled size down to even numbers (needed to resize 4:2:0 chroma).
Letterbox make_letterbox(int frame_w, int frame_h, int input_w, int input_h, PadPlacement placement,
                         bool even_size = false);

// The value YOLOX and Ultralytics fill the padding with.
inline constexpr std::uint8_t kLetterboxPadValue = 114;

// Letterboxes any supported frame into dst (input_w x input_h, CV_8UC3, BGR order). YUV frames
// are resized plane by plane before the colour conversion, so the conversion runs on the small
// image only. Throws rw::Error for a frame that does not match the geometry.
void letterbox_to_bgr(const ImageView &frame, const Letterbox &geometry, cv::Mat &dst_bgr,
                      std::uint8_t pad_value = kLetterboxPadValue);

// Cuts `region` (frame pixels, clamped to the frame; widened to even coordinates for 4:2:0
// frames) out of any supported frame and stretches it to `size` as BGR into dst. For
// appearance descriptors, which want a fixed-size crop rather than a letterbox. Returns false
// (dst untouched) when the clamped region is empty.
bool crop_to_bgr(const ImageView &frame, const Box &region, int width, int height, cv::Mat &dst);

}  // namespace rw::detect

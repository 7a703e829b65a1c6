#include "rw/detect/letterbox.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

std::string size_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

float clamp_to(double value, int limit) {
  return static_cast<float>(std::clamp(value, 0.0, static_cast<double>(limit)));
}

// cv::Mat wants a mutable pointer, but the planes are only ever read.
cv::Mat wrap_plane(const ImageView &frame, std::size_t index, int rows, int cols, int channels) {
  const std::uint8_t *data = frame.planes[index];
  if (data == nullptr) throw Error("frame plane " + std::to_string(index) + " is null");
  const std::size_t stride = frame.strides_bytes[index];
  if (stride < static_cast<std::size_t>(cols) * channels) {
    throw Error("frame plane " + std::to_string(index) + " stride " + std::to_string(stride) +
                " is shorter than a row of " + std::to_string(cols * channels) + " bytes");
  }
  return cv::Mat(rows, cols, CV_8UC(channels), const_cast<std::uint8_t *>(data), stride);
}

constexpr int kAlreadyBgr = -1;

// Channel swaps and drops commute with resizing, so they run on the scaled image.
void letterbox_packed(const ImageView &frame, int channels, int to_bgr_code, cv::Mat &roi) {
  const cv::Mat src = wrap_plane(frame, 0, frame.height, frame.width, channels);
  if (to_bgr_code == kAlreadyBgr) {
    cv::resize(src, roi, roi.size(), 0, 0, cv::INTER_LINEAR);
    return;
  }
  cv::Mat scaled;
  cv::resize(src, scaled, roi.size(), 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(scaled, roi, to_bgr_code);
}

void letterbox_yuv420(const ImageView &frame, const Letterbox &geometry, cv::Mat &roi) {
  if (geometry.scaled_w % 2 != 0 || geometry.scaled_h % 2 != 0) {
    throw Error("letterbox scaled size " + size_text(geometry.scaled_w, geometry.scaled_h) +
                " must be even for 4:2:0 frames (make_letterbox with even_size)");
  }
  if (frame.width % 2 != 0 || frame.height % 2 != 0) {
    throw Error("4:2:0 frame size " + size_text(frame.width, frame.height) + " must be even");
  }
  const int w = geometry.scaled_w;
  const int h = geometry.scaled_h;
  const bool nv12 = frame.format == PixelFormat::kNv12;
  // One contiguous buffer laid out as cv::cvtColor expects: Y rows, then U and V (I420) or
  // interleaved UV (NV12), each at half resolution.
  cv::Mat yuv(h * 3 / 2, w, CV_8UC1);
  std::uint8_t *chroma = yuv.ptr(h);
  const cv::Size chroma_size(w / 2, h / 2);
  cv::Mat y_dst = yuv.rowRange(0, h);
  cv::resize(wrap_plane(frame, 0, frame.height, frame.width, 1), y_dst, y_dst.size(), 0, 0,
             cv::INTER_LINEAR);
  if (nv12) {
    cv::Mat uv_dst(chroma_size, CV_8UC2, chroma);
    cv::resize(wrap_plane(frame, 1, frame.height / 2, frame.width / 2, 2), uv_dst, chroma_size, 0,
               0, cv::INTER_LINEAR);
  } else {
    const std::size_t chroma_bytes = chroma_size.area();
    for (std::size_t plane = 1; plane <= 2; ++plane) {
      cv::Mat dst(chroma_size, CV_8UC1, chroma + (plane - 1) * chroma_bytes);
      cv::resize(wrap_plane(frame, plane, frame.height / 2, frame.width / 2, 1), dst, chroma_size,
                 0, 0, cv::INTER_LINEAR);
    }
  }
  cv::cvtColor(yuv, roi, nv12 ? cv::COLOR_YUV2BGR_NV12 : cv::COLOR_YUV2BGR_I420);
}

}  // namespace

Box Letterbox::to_frame(const Box &input_box) const {
  const auto x = [&](double x_in) { return clamp_to((x_in - pad_x) / scale_x, frame_w); };
  const auto y = [&](double y_in) { return clamp_to((y_in - pad_y) / scale_y, frame_h); };
  return {x(input_box.x1), y(input_box.y1), x(input_box.x2), y(input_box.y2)};
}

Box Letterbox::to_input(const Box &frame_box) const {
  const auto x = [&](double x_frame) { return static_cast<float>(x_frame * scale_x + pad_x); };
  const auto y = [&](double y_frame) { return static_cast<float>(y_frame * scale_y + pad_y); };
  return {x(frame_box.x1), y(frame_box.y1), x(frame_box.x2), y(frame_box.y2)};
}

Letterbox make_letterbox(int frame_w, int frame_h, int input_w, int input_h, PadPlacement placement,
                         bool even_size) {
  const int min_input = even_size ? 2 : 1;
  if (frame_w <= 0 || frame_h <= 0 || input_w < min_input || input_h < min_input) {
    throw Error("cannot letterbox a " + size_text(frame_w, frame_h) + " frame into a " +
                size_text(input_w, input_h) + " model input: sizes must be positive" +
                (even_size ? " and the input at least 2x2" : ""));
  }
  const double r =
      std::min(static_cast<double>(input_w) / frame_w, static_cast<double>(input_h) / frame_h);
  const auto fit = [&](int frame_size, int input_size) {
    int scaled = std::clamp(static_cast<int>(std::lround(frame_size * r)), 1, input_size);
    if (even_size) scaled = std::max(2, scaled - scaled % 2);
    return scaled;
  };
  Letterbox box;
  box.frame_w = frame_w;
  box.frame_h = frame_h;
  box.input_w = input_w;
  box.input_h = input_h;
  box.scaled_w = fit(frame_w, input_w);
  box.scaled_h = fit(frame_h, input_h);
  box.scale_x = static_cast<double>(box.scaled_w) / frame_w;
  box.scale_y = static_cast<double>(box.scaled_h) / frame_h;
  if (placement == PadPlacement::kCentered) {
    box.pad_x = (input_w - box.scaled_w) / 2;
    box.pad_y = (input_h - box.scaled_h) / 2;
  }
  return box;
}

void letterbox_to_bgr(const ImageView &frame, const Letterbox &geometry, cv::Mat &dst_bgr,
                      std::uint8_t pad_value) {
  if (frame.width != geometry.frame_w || frame.height != geometry.frame_h) {
    throw Error("frame size " + size_text(frame.width, frame.height) +
                " does not match the letterbox geometry made for " +
                size_text(geometry.frame_w, geometry.frame_h));
  }
  const cv::Rect placed(geometry.pad_x, geometry.pad_y, geometry.scaled_w, geometry.scaled_h);
  if (placed.empty() || (placed & cv::Rect(0, 0, geometry.input_w, geometry.input_h)) != placed) {
    throw Error("letterbox geometry places a " + size_text(geometry.scaled_w, geometry.scaled_h) +
                " image outside its " + size_text(geometry.input_w, geometry.input_h) + " input");
  }
  dst_bgr.create(geometry.input_h, geometry.input_w, CV_8UC3);
  dst_bgr.setTo(cv::Scalar::all(pad_value));
  cv::Mat roi = dst_bgr(placed);
  switch (frame.format) {
    case PixelFormat::kBgr:
      return letterbox_packed(frame, 3, kAlreadyBgr, roi);
    case PixelFormat::kRgb:
      return letterbox_packed(frame, 3, cv::COLOR_RGB2BGR, roi);
    case PixelFormat::kBgrx:
    case PixelFormat::kBgra:
      return letterbox_packed(frame, 4, cv::COLOR_BGRA2BGR, roi);
    case PixelFormat::kRgbx:
    case PixelFormat::kRgba:
      return letterbox_packed(frame, 4, cv::COLOR_RGBA2BGR, roi);
    case PixelFormat::kI420:
    case PixelFormat::kNv12:
      return letterbox_yuv420(frame, geometry, roi);
  }
}

}  // namespace rw::detect

namespace rw::detect {

bool crop_to_bgr(const ImageView &frame, const Box &region, int width, int height, cv::Mat &dst) {
  const bool yuv = frame.format == PixelFormat::kI420 || frame.format == PixelFormat::kNv12;
  const int align = yuv ? 2 : 1;
  const auto down = [align](float v, int limit) {
    return std::clamp(static_cast<int>(std::floor(v)) / align * align, 0, limit);
  };
  const auto up = [align](float v, int limit) {
    return std::clamp((static_cast<int>(std::ceil(v)) + align - 1) / align * align, 0, limit);
  };
  const int x1 = down(region.x1, frame.width), y1 = down(region.y1, frame.height);
  const int x2 = up(region.x2, frame.width), y2 = up(region.y2, frame.height);
  if (x2 - x1 < align || y2 - y1 < align) return false;

  // A view of the region: plane pointers moved to its corner, strides unchanged.
  ImageView crop = frame;
  crop.width = x2 - x1;
  crop.height = y2 - y1;
  const auto offset = [&](std::size_t plane, int x_bytes, int y_rows) {
    crop.planes[plane] = frame.planes[plane] +
                         static_cast<std::size_t>(y_rows) * frame.strides_bytes[plane] +
                         static_cast<std::size_t>(x_bytes);
  };
  switch (frame.format) {
    case PixelFormat::kI420:
      offset(0, x1, y1);
      offset(1, x1 / 2, y1 / 2);
      offset(2, x1 / 2, y1 / 2);
      break;
    case PixelFormat::kNv12:
      offset(0, x1, y1);
      offset(1, x1, y1 / 2);  // interleaved UV: 2 bytes per chroma sample
      break;
    case PixelFormat::kBgr:
    case PixelFormat::kRgb:
      offset(0, x1 * 3, y1);
      break;
    default:
      offset(0, x1 * 4, y1);
      break;
  }
  // A letterbox that fills the whole target: a plain (anisotropic) resize.
  Letterbox stretch;
  stretch.frame_w = crop.width;
  stretch.frame_h = crop.height;
  stretch.input_w = stretch.scaled_w = width;
  stretch.input_h = stretch.scaled_h = height;
  stretch.scale_x = static_cast<double>(width) / crop.width;
  stretch.scale_y = static_cast<double>(height) / crop.height;
  letterbox_to_bgr(crop, stretch, dst);
  return true;
}

}  // namespace rw::detect

#include "util/gstcv.h"

namespace rw::gst {

using rw::detect::PixelFormat;

bool is_packed_rgb(GstVideoFormat format) {
  const std::optional<PixelFormat> known = pixel_format(format);
  return known && *known != PixelFormat::kI420 && *known != PixelFormat::kNv12;
}

bool is_rgb_order(GstVideoFormat format) {
  return format == GST_VIDEO_FORMAT_RGB || format == GST_VIDEO_FORMAT_RGBx ||
         format == GST_VIDEO_FORMAT_RGBA;
}

std::optional<PixelFormat> pixel_format(GstVideoFormat format) {
  switch (format) {
    case GST_VIDEO_FORMAT_BGR:
      return PixelFormat::kBgr;
    case GST_VIDEO_FORMAT_RGB:
      return PixelFormat::kRgb;
    case GST_VIDEO_FORMAT_BGRx:
      return PixelFormat::kBgrx;
    case GST_VIDEO_FORMAT_RGBx:
      return PixelFormat::kRgbx;
    case GST_VIDEO_FORMAT_BGRA:
      return PixelFormat::kBgra;
    case GST_VIDEO_FORMAT_RGBA:
      return PixelFormat::kRgba;
    case GST_VIDEO_FORMAT_I420:
      return PixelFormat::kI420;
    case GST_VIDEO_FORMAT_NV12:
      return PixelFormat::kNv12;
    default:
      return std::nullopt;
  }
}

rw::detect::ImageView image_view(const GstVideoFrame &frame) {
  rw::detect::ImageView view;
  view.format = pixel_format(GST_VIDEO_FRAME_FORMAT(&frame)).value();
  view.width = GST_VIDEO_FRAME_WIDTH(&frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  for (guint plane = 0; plane < GST_VIDEO_FRAME_N_PLANES(&frame) && plane < 3; ++plane) {
    view.planes[plane] =
        static_cast<const std::uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
    view.strides_bytes[plane] =
        static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane));
  }
  return view;
}

cv::Mat packed_mat(GstVideoFrame &frame) {
  const int channels = static_cast<int>(GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0));
  return cv::Mat(GST_VIDEO_FRAME_HEIGHT(&frame), GST_VIDEO_FRAME_WIDTH(&frame), CV_8UC(channels),
                 GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
                 static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0)));
}

}  // namespace rw::gst

#pragma once

// Views of mapped GstVideoFrames as plain core types: no copies, strides kept.

#include <gst/video/video.h>

#include <optional>

#include <opencv2/core/mat.hpp>

#include "rw/detect/image.hpp"

// Caps of the raw video image_view() can read, for elements that look at pixels.
#define RW_IMAGE_VIEW_CAPS GST_VIDEO_CAPS_MAKE("{ BGR, RGB, BGRx, RGBx, BGRA, RGBA, I420, NV12 }")

namespace rw::gst {

// Whether packed_mat() reads the format (BGR, RGB, BGRx, RGBx, BGRA, RGBA), and whether its
// channels come in RGB rather than BGR order.
bool is_packed_rgb(GstVideoFormat format);
bool is_rgb_order(GstVideoFormat format);

// The formats of RW_IMAGE_VIEW_CAPS; nullopt for any other.
std::optional<rw::detect::PixelFormat> pixel_format(GstVideoFormat format);

// The frame must be mapped and its format one pixel_format() knows.
rw::detect::ImageView image_view(const GstVideoFrame &frame);

// Plane 0 of a mapped packed-RGB frame as a writable cv::Mat (3 or 4 channels).
cv::Mat packed_mat(GstVideoFrame &frame);

}  // namespace rw::gst

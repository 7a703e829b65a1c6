#pragma once

// Views of mapped GstVideoFrames as plain core types: no copies, strides kept.

#include <gst/video/video.h>

#include <optional>

#include <opencv2/core/mat.hpp>

#include "rw/detect/image.hpp"

namespace rw::gst {

std::optional<rw::detect::PixelFormat> pixel_format(GstVideoFormat format);

// The frame must be mapped and its format one pixel_format() knows.
rw::detect::ImageView image_view(const GstVideoFrame &frame);

// Plane 0 of a mapped packed-RGB frame as a writable cv::Mat (3 or 4 channels).
cv::Mat packed_mat(GstVideoFrame &frame);

}  // namespace rw::gst

#pragma once

#include <span>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rw/detect/box.hpp"

// Appearance features: L2-normalised float vectors compared by cosine distance. Any
// descriptor (the built-in colour histogram, a ReID model's embedding) follows this convention.
namespace rw::track {

// 1 - a.b for L2-normalised a and b of equal size: 0 identical, 1 orthogonal, 2 opposite.
double cosine_distance(std::span<const float> a, std::span<const float> b);

// Colour descriptor of the box's central region in a BGR 8-bit frame: a hue x saturation
// histogram of chromatic pixels next to a brightness histogram of grey ones (white, grey and
// black vehicles have no meaningful hue), L2-normalised. The box is clamped to the frame;
// a box with nothing inside the frame gives an empty vector. Throws rw::Error for a frame
// that is not 8-bit BGR.
std::vector<float> colour_histogram(const cv::Mat &bgr_frame, const rw::detect::Box &box);

}  // namespace rw::track

#pragma once

#include <string>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include "rw/draw/overlay.hpp"

// What every overlay part shares: sizes that scale with the frame, colour order, text plates.
namespace rw::draw::detail {

// Stroke width: the style's, or one pixel per 360 rows so lines read the same from 360p to 4K.
int stroke_px(const cv::Mat &frame, const OverlayStyle &style);

// Hershey font scale for the frame height (0.5 at 720p), never below a legible 0.4.
double font_scale(const cv::Mat &frame);

// A B, G, R colour in the frame's channel order, opaque where there is alpha.
cv::Scalar in_frame_order(const cv::Scalar &bgr, bool rgb_order);

// Width and height of the plate draw_plate() makes for text.
cv::Size plate_size(const std::string &text, double scale);

// Writes text on a filled plate whose top-left corner is top_left, clipped to the frame, and
// returns the plate (empty when it falls outside). Colours in frame order.
cv::Rect draw_plate(cv::Mat &frame, const std::string &text, cv::Point top_left,
                    const cv::Scalar &background, const cv::Scalar &ink, double scale);

}  // namespace rw::draw::detail

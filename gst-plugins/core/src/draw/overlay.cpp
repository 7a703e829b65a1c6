#include "rw/draw/overlay.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "draw/text.hpp"

namespace rw::draw {
namespace {

using detail::in_frame_order;

std::string caption(const OverlayObject &object, const OverlayStyle &style) {
  std::string text = object.track_id ? "#" + std::to_string(*object.track_id) + " " : "";
  text += object.label;
  if (style.show_confidence) {
    std::array<char, 16> score{};
    std::snprintf(score.data(), score.size(), " %.2f", object.confidence);
    text += score.data();
  }
  if (style.show_speed && object.speed) {
    std::array<char, 32> speed{};
    std::snprintf(speed.data(), speed.size(), " %.0f %s", *object.speed, object.speed_unit.c_str());
    text += speed.data();
  }
  return text;
}

}  // namespace

cv::Scalar class_colour(int class_id) {
  // Hues spaced by the golden angle stay distinct for neighbouring class ids.
  const double hue = std::fmod(static_cast<double>(class_id) * 137.508, 360.0);
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue / 2.0, 200, 255));
  cv::Mat bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  const cv::Vec3b c = bgr.at<cv::Vec3b>(0, 0);
  return {static_cast<double>(c[0]), static_cast<double>(c[1]), static_cast<double>(c[2])};
}

void draw_objects(cv::Mat &frame, const std::vector<OverlayObject> &objects,
                  const OverlayStyle &style) {
  const int thickness = detail::stroke_px(frame, style);
  const double scale = detail::font_scale(frame);
  const cv::Rect bounds(0, 0, frame.cols, frame.rows);
  for (const OverlayObject &object : objects) {
    const cv::Rect box = object.rect_px & bounds;
    if (box.empty()) continue;
    const cv::Scalar colour = in_frame_order(class_colour(object.class_id), style.rgb_order);
    cv::rectangle(frame, box, colour, thickness, cv::LINE_8);  // crisp: exact class colour
    if (!style.show_labels || !object.has_caption) continue;
    const std::string text = caption(object, style);
    const int plate_h = detail::plate_size(text, scale).height;
    // Above the box when there is room, inside it otherwise.
    const int top = box.y >= plate_h ? box.y - plate_h : box.y;
    detail::draw_plate(frame, text, {box.x, top}, colour, cv::Scalar(0, 0, 0, 255), scale);
  }
}

}  // namespace rw::draw

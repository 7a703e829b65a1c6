#include "rw/draw/overlay.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace rw::draw {
namespace {

cv::Scalar in_frame_order(const cv::Scalar &bgr, bool rgb_order) {
  return rgb_order ? cv::Scalar(bgr[2], bgr[1], bgr[0], 255)
                   : cv::Scalar(bgr[0], bgr[1], bgr[2], 255);
}

std::string caption(const OverlayObject &object, const OverlayStyle &style) {
  std::string text = object.track_id ? "#" + std::to_string(*object.track_id) + " " : "";
  text += object.label;
  if (style.show_confidence) {
    std::array<char, 16> score{};
    std::snprintf(score.data(), score.size(), " %.2f", object.confidence);
    text += score.data();
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
  const int thickness =
      style.line_thickness_px > 0 ? style.line_thickness_px : std::max(1, frame.rows / 360);
  const double font_scale = std::max(0.4, frame.rows / 1440.0);
  const cv::Rect bounds(0, 0, frame.cols, frame.rows);
  for (const OverlayObject &object : objects) {
    const cv::Rect box = object.rect_px & bounds;
    if (box.empty()) continue;
    const cv::Scalar colour = in_frame_order(class_colour(object.class_id), style.rgb_order);
    cv::rectangle(frame, box, colour, thickness, cv::LINE_8);  // crisp: exact class colour
    if (!style.show_labels || !object.has_caption) continue;
    const std::string text = caption(object, style);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, 1, &baseline);
    // Above the box when there is room, inside it otherwise.
    const int top =
        box.y >= size.height + baseline + 2 ? box.y - size.height - baseline - 2 : box.y;
    const cv::Rect plate =
        cv::Rect(box.x, top, size.width + 4, size.height + baseline + 2) & bounds;
    cv::rectangle(frame, plate, colour, cv::FILLED);
    cv::putText(frame, text, cv::Point(plate.x + 2, plate.y + size.height + 1),
                cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(0, 0, 0, 255), 1, cv::LINE_AA);
  }
}

}  // namespace rw::draw

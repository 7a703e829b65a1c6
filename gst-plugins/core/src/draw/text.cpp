#include "draw/text.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace rw::draw::detail {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr int kPadPx = 2;  // ink to plate edge

}  // namespace

int stroke_px(const cv::Mat &frame, const OverlayStyle &style) {
  return style.line_thickness_px > 0 ? style.line_thickness_px : std::max(1, frame.rows / 360);
}

double font_scale(const cv::Mat &frame) {
  return std::max(0.4, frame.rows / 1440.0);
}

cv::Scalar in_frame_order(const cv::Scalar &bgr, bool rgb_order) {
  return rgb_order ? cv::Scalar(bgr[2], bgr[1], bgr[0], 255)
                   : cv::Scalar(bgr[0], bgr[1], bgr[2], 255);
}

cv::Size plate_size(const std::string &text, double scale) {
  int baseline = 0;
  const cv::Size ink = cv::getTextSize(text, kFont, scale, 1, &baseline);
  return {ink.width + 2 * kPadPx, ink.height + baseline + kPadPx};
}

cv::Rect draw_plate(cv::Mat &frame, const std::string &text, cv::Point top_left,
                    const cv::Scalar &background, const cv::Scalar &ink, double scale) {
  const cv::Rect plate =
      cv::Rect(top_left, plate_size(text, scale)) & cv::Rect(0, 0, frame.cols, frame.rows);
  if (plate.empty()) return plate;
  int baseline = 0;
  const int ink_h = cv::getTextSize(text, kFont, scale, 1, &baseline).height;
  cv::rectangle(frame, plate, background, cv::FILLED);
  cv::putText(frame, text, cv::Point(plate.x + kPadPx, plate.y + ink_h + 1), kFont, scale, ink, 1,
              cv::LINE_AA);
  return plate;
}

}  // namespace rw::draw::detail

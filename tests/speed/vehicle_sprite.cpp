#include "vehicle_sprite.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "road_scene.hpp"

namespace rw::speedtest {

Sprite cut_sprite(const cv::Mat &frame, const cv::Rect &box, double width_m) {
  return {frame(box & cv::Rect(0, 0, frame.cols, frame.rows)).clone(), width_m};
}

double Vehicle::speed_kmh() const {
  return std::abs(vy_mps) * 3.6;
}

void draw_sprite(cv::Mat &frame, const Sprite &sprite, const cv::Matx33d &world_to_image,
                 cv::Point2d ground_m) {
  const cv::Point2d foot = project(world_to_image, ground_m);
  const double scale = lateral_px_per_m(world_to_image, ground_m) * sprite.width_m /
                       static_cast<double>(sprite.bgr.cols);
  // Shrink with area averaging first (as a camera integrates light), then place with a
  // near-1 residual scale at sub-pixel precision.
  cv::Mat bgr = sprite.bgr;
  if (scale < 1.0) {
    const cv::Size size(std::max(2, static_cast<int>(std::lround(bgr.cols * scale))),
                        std::max(2, static_cast<int>(std::lround(bgr.rows * scale))));
    cv::resize(sprite.bgr, bgr, size, 0, 0, cv::INTER_AREA);
  }
  const double r = scale * sprite.bgr.cols / bgr.cols;
  const double w = bgr.cols, h = bgr.rows;
  // Destination of the sprite: bottom edge (source y = h - 0.5) on the foot point, centred.
  const cv::Rect2d extent(foot.x - 0.5 * r * w, foot.y - r * h, r * w, r * h);
  const cv::Rect roi = cv::Rect(static_cast<int>(std::floor(extent.x)) - 2,
                                static_cast<int>(std::floor(extent.y)) - 2,
                                static_cast<int>(std::ceil(extent.width)) + 5,
                                static_cast<int>(std::ceil(extent.height)) + 5) &
                       cv::Rect(0, 0, frame.cols, frame.rows);
  if (roi.empty()) return;
  const cv::Matx23d to_roi(r, 0, foot.x - r * 0.5 * (w - 1) - roi.x, 0, r,
                           foot.y - r * (h - 0.5) - roi.y);
  cv::Mat pasted, alpha;
  cv::warpAffine(bgr, pasted, cv::Mat(to_roi), roi.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::warpAffine(cv::Mat(bgr.size(), CV_32F, cv::Scalar(1.0)), alpha, cv::Mat(to_roi), roi.size(),
                 cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0.0));
  cv::Mat target = frame(roi);
  for (int y = 0; y < roi.height; ++y) {
    const float *a = alpha.ptr<float>(y);
    const cv::Vec3b *src = pasted.ptr<cv::Vec3b>(y);
    cv::Vec3b *dst = target.ptr<cv::Vec3b>(y);
    for (int x = 0; x < roi.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        dst[x][c] = cv::saturate_cast<uchar>(a[x] * src[x][c] + (1.0f - a[x]) * dst[x][c]);
      }
    }
  }
}

}  // namespace rw::speedtest

#include "rw/track/appearance.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "rw/common/error.hpp"

namespace rw::track {
namespace {

// Only the middle of the box: its border is mostly road and neighbours, not the vehicle.
constexpr float kMarginFraction = 0.2f;

constexpr int kHueBins = 16;
constexpr int kSaturationBins = 3;
constexpr int kGreyBins = 8;
constexpr int kOpenCvHueRange = 180;  // OpenCV's 8-bit hue is 0..179
// Below these, hue is noise: the pixel counts by brightness in the grey histogram.
constexpr int kMinSaturation = 48;
constexpr int kMinValue = 48;

cv::Rect central_region(const rw::detect::Box &box, cv::Size frame) {
  const float mx = kMarginFraction * box.width(), my = kMarginFraction * box.height();
  const int x1 = std::max(0, static_cast<int>(std::floor(box.x1 + mx)));
  const int y1 = std::max(0, static_cast<int>(std::floor(box.y1 + my)));
  const int x2 = std::min(frame.width, static_cast<int>(std::ceil(box.x2 - mx)));
  const int y2 = std::min(frame.height, static_cast<int>(std::ceil(box.y2 - my)));
  if (x2 <= x1 || y2 <= y1) return {};
  return {x1, y1, x2 - x1, y2 - y1};
}

}  // namespace

double cosine_distance(std::span<const float> a, std::span<const float> b) {
  double dot = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) dot += double{a[i]} * b[i];
  return 1 - dot;
}

std::vector<float> colour_histogram(const cv::Mat &bgr_frame, const rw::detect::Box &box) {
  if (bgr_frame.type() != CV_8UC3) {
    throw Error("colour_histogram needs an 8-bit BGR frame, got OpenCV type " +
                std::to_string(bgr_frame.type()));
  }
  const cv::Rect region = central_region(box, bgr_frame.size());
  if (region.empty()) return {};
  cv::Mat hsv;
  cv::cvtColor(bgr_frame(region), hsv, cv::COLOR_BGR2HSV);

  std::vector<float> histogram(kHueBins * kSaturationBins + kGreyBins, 0.0f);
  for (int y = 0; y < hsv.rows; ++y) {
    const auto *row = hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < hsv.cols; ++x) {
      const int h = row[x][0], s = row[x][1], v = row[x][2];
      if (s < kMinSaturation || v < kMinValue) {
        histogram[kHueBins * kSaturationBins + v * kGreyBins / 256] += 1;
      } else {
        const int hue_bin = h * kHueBins / kOpenCvHueRange;
        const int saturation_bin = (s - kMinSaturation) * kSaturationBins / (256 - kMinSaturation);
        histogram[hue_bin * kSaturationBins + saturation_bin] += 1;
      }
    }
  }
  double norm = 0;
  for (float count : histogram) norm += double{count} * count;
  const auto scale = static_cast<float>(1 / std::sqrt(norm));
  for (float &count : histogram) count *= scale;
  return histogram;
}

}  // namespace rw::track

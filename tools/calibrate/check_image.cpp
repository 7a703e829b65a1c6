#include "check_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "ground_grid.hpp"

namespace rw::calibrate {
namespace {

const cv::Scalar kAlongColour(255, 0, 255);   // lines x = const (along the road), BGR
const cv::Scalar kAcrossColour(0, 170, 255);  // lines y = const (across the road)
const cv::Scalar kImageColour(0, 230, 0);     // calibration points as clicked
const cv::Scalar kWorldColour(40, 40, 255);   // world points mapped back into the image
const cv::Scalar kShadow(0, 0, 0);

struct Pen {
  double font_scale;
  int thickness_px;
};

// "12.19", "5", "-3.66": at most two decimals, no trailing zeros, no "-0".
std::string metres(double value) {
  if (std::abs(value) < 0.005) value = 0;
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string s = text;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// Text with a dark outline so it reads on road and sky alike. Skips text that would cover
// earlier labels (the grid gets dense towards the horizon).
void label(cv::Mat &image, const std::string &text, cv::Point2d at, const cv::Scalar &colour,
           const Pen &pen, std::vector<cv::Rect> &taken) {
  int baseline = 0;
  const cv::Size size =
      cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, pen.font_scale, pen.thickness_px, &baseline);
  cv::Point origin(static_cast<int>(std::lround(at.x)), static_cast<int>(std::lround(at.y)));
  origin.x = std::clamp(origin.x, 2, std::max(2, image.cols - size.width - 2));
  origin.y = std::clamp(origin.y, size.height + 2, std::max(size.height + 2, image.rows - 4));
  const cv::Rect box(origin.x - 2, origin.y - size.height - 2, size.width + 4,
                     size.height + baseline + 4);
  for (const cv::Rect &other : taken) {
    if ((box & other).area() > 0) return;
  }
  taken.push_back(box);
  cv::putText(image, text, origin, cv::FONT_HERSHEY_SIMPLEX, pen.font_scale, kShadow,
              pen.thickness_px + 2, cv::LINE_AA);
  cv::putText(image, text, origin, cv::FONT_HERSHEY_SIMPLEX, pen.font_scale, colour,
              pen.thickness_px, cv::LINE_AA);
}

cv::Point pixel(cv::Point2d p) {
  return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))};
}

std::vector<GridLine> draw_grid(cv::Mat &image, const rw::geometry::Calibration &calibration,
                                const std::vector<PointPair> &pairs,
                                const CheckImageOptions &options, const Pen &pen) {
  std::vector<cv::Point2d> world_m;
  for (const PointPair &p : pairs) world_m.push_back(p.world_m);
  GridSpec spec;
  spec.step_x_m = options.grid_step_x_m;
  spec.step_y_m = options.grid_step_y_m;
  spec.box_m = grid_box(world_m, spec.step_x_m, spec.step_y_m);
  spec.seen_m = world_m.front();
  // Stop a little short of the horizon, where metres shrink to nothing.
  const double horizon_margin_px = 0.02 * image.rows;
  auto lines = ground_grid(calibration.world_to_image, spec, image.size(), horizon_margin_px);
  for (const GridLine &line : lines) {
    const cv::Scalar &colour = line.along_y ? kAlongColour : kAcrossColour;
    const int thickness = line.value_m == 0 ? 2 * pen.thickness_px : pen.thickness_px;
    cv::line(image, pixel(line.from_px), pixel(line.to_px), colour, thickness, cv::LINE_AA);
  }
  return lines;
}

void label_grid(cv::Mat &image, const std::vector<GridLine> &lines, const Pen &pen,
                std::vector<cv::Rect> &taken) {
  for (const GridLine &line : lines) {
    // x lines labelled at their end nearest the camera (lowest), y lines at their left end.
    const bool first_end =
        line.along_y ? line.from_px.y > line.to_px.y : line.from_px.x < line.to_px.x;
    const cv::Point2d end = first_end ? line.from_px : line.to_px;
    const std::string text = (line.along_y ? "x=" : "y=") + metres(line.value_m);
    const cv::Point2d offset = line.along_y ? cv::Point2d(4, -6) : cv::Point2d(4, -4);
    label(image, text, end + offset, line.along_y ? kAlongColour : kAcrossColour, pen, taken);
  }
}

}  // namespace

cv::Mat draw_check_image(const cv::Mat &frame, const rw::geometry::Calibration &calibration,
                         const std::vector<PointPair> &pairs, const CheckImageOptions &options) {
  cv::Mat image;
  const bool undistorted = calibration.camera_matrix && !calibration.dist_coeffs.empty();
  if (undistorted) {
    cv::undistort(frame, image, cv::Mat(*calibration.camera_matrix), calibration.dist_coeffs);
  } else {
    image = frame.clone();
  }
  const double scale = image.rows / 720.0;
  const Pen pen{std::max(0.35, 0.55 * scale),
                std::max(1, static_cast<int>(std::lround(2 * scale)))};
  std::vector<GridLine> lines;
  if (!pairs.empty()) lines = draw_grid(image, calibration, pairs, options, pen);

  const int radius_px = std::max(3, static_cast<int>(std::lround(6 * scale)));
  std::vector<cv::Point2d> seen_px;
  for (const PointPair &pair : pairs) {
    // The image point as the homography sees it (undistorted), and the world point mapped back.
    seen_px.push_back(calibration.to_image(calibration.to_world(pair.image_px)));
    const cv::Point2d reprojected_px = calibration.to_image(pair.world_m);
    cv::circle(image, pixel(seen_px.back()), radius_px, kImageColour, pen.thickness_px,
               cv::LINE_AA);
    if (std::isfinite(reprojected_px.x) && std::isfinite(reprojected_px.y)) {
      cv::drawMarker(image, pixel(reprojected_px), kWorldColour, cv::MARKER_CROSS, 2 * radius_px,
                     pen.thickness_px, cv::LINE_AA);
    }
  }

  // Labels last, by priority: summary, point numbers, then grid values where room is left.
  std::vector<cv::Rect> taken;
  std::string summary = std::to_string(pairs.size()) + " pairs";
  if (calibration.rms_error_px && calibration.rms_error_m) {
    char text[96];
    std::snprintf(text, sizeof text, "RMS error %.2f px, %.3f m, %zu pairs",
                  *calibration.rms_error_px, *calibration.rms_error_m, pairs.size());
    summary = text;
  }
  const std::string legend =
      "grid " + metres(options.grid_step_x_m) + " x " + metres(options.grid_step_y_m) +
      " m; o image point, + world point reprojected" + (undistorted ? "; frame undistorted" : "");
  const double line_height_px = std::round(28 * pen.font_scale / 0.55);
  label(image, summary, {8, 8 + line_height_px}, {255, 255, 255}, pen, taken);
  label(image, legend, {8, 8 + 2 * line_height_px}, {255, 255, 255}, pen, taken);
  for (std::size_t i = 0; i < seen_px.size(); ++i) {
    label(image, std::to_string(i + 1), seen_px[i] + cv::Point2d(radius_px + 2, -radius_px),
          kImageColour, pen, taken);
  }
  label_grid(image, lines, pen, taken);
  return image;
}

}  // namespace rw::calibrate

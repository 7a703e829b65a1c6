#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

namespace rw::calibrate {

// A metric grid on the road plane: lines x = k * step_x_m (along the road) and
// y = k * step_y_m (across it) over box_m.
struct GridSpec {
  cv::Rect2d box_m;
  double step_x_m = 5;
  double step_y_m = 5;
  // A ground point the camera sees (a calibration point): it tells which side of the horizon
  // is the ground, since a homography's overall sign is arbitrary.
  cv::Point2d seen_m;
};

// Where a grid line shows in the frame.
struct GridLine {
  bool along_y = false;  // true: the line x = value_m; false: the line y = value_m
  double value_m = 0;
  cv::Point2d from_px, to_px;
};

using Segment = std::pair<cv::Point2d, cv::Point2d>;

// The image of the ground segment a_m -> b_m that is in front of the camera, inside the frame
// (0..width, 0..height) and at least horizon_margin_px below the horizon (near the horizon the
// ground is too compressed to read). Straight, since a homography maps lines to lines once the
// part behind the camera is cut off. nullopt when nothing of it is visible.
std::optional<Segment> project_ground_segment(const cv::Matx33d &world_to_image, cv::Point2d seen_m,
                                              cv::Point2d a_m, cv::Point2d b_m, cv::Size frame_px,
                                              double horizon_margin_px);

// The visible grid lines, x lines first, each in increasing value. Throws rw::Error for steps
// that are not positive or that would make more than kMaxGridLines lines.
std::vector<GridLine> ground_grid(const cv::Matx33d &world_to_image, const GridSpec &spec,
                                  cv::Size frame_px, double horizon_margin_px);
constexpr int kMaxGridLines = 500;

// The box the grid covers: the points' bounding box grown on each side by a quarter of its
// size and at least one step, then snapped outwards to whole steps.
cv::Rect2d grid_box(const std::vector<cv::Point2d> &world_m, double step_x_m, double step_y_m);

}  // namespace rw::calibrate

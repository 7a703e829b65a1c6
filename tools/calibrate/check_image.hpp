#pragma once

#include <vector>

#include <opencv2/core/mat.hpp>

#include "point_pairs.hpp"
#include "rw/geometry/calibration.hpp"

namespace rw::calibrate {

// What the check image shows besides the calibration itself.
struct CheckImageOptions {
  double grid_step_x_m = 5;  // across the road
  double grid_step_y_m = 5;  // along the road
};

// The frame with the road-plane grid (labelled in metres), each pair's image point (circle) and
// its reprojected world point (cross), and the RMS error. With a lens model the frame is
// undistorted first, since the homography works on undistorted pixels. frame: 8-bit BGR.
cv::Mat draw_check_image(const cv::Mat &frame, const rw::geometry::Calibration &calibration,
                         const std::vector<PointPair> &pairs, const CheckImageOptions &options);

}  // namespace rw::calibrate

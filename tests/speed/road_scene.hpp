#pragma once

// A straight road seen from a camera above it, with a known ground-to-image homography.
// Pure OpenCV: no GLib, no GStreamer.

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace rw::speedtest {

// World frame: metres on the road plane, x across the road (right), y along it away from
// the camera, which stands above the origin. Image coordinates: pixel centres at integers.
struct CameraModel {
  double height_m = 12.0;
  double focal_px = 1000.0;
  double pitch_deg = 16.0;  // down from the horizontal
  cv::Size size_px{640, 360};
};

// The homography of a pinhole camera at (0, 0, height_m), looking along +y, pitched down,
// principal point at the image centre.
cv::Matx33d world_to_image(const CameraModel &camera);

cv::Point2d project(const cv::Matx33d &world_to_image, cv::Point2d world_m);

// Pixels per metre across the road at a ground point: the size of anything upright there.
double lateral_px_per_m(const cv::Matx33d &world_to_image, cv::Point2d world_m);

// A dual carriageway: lanes_per_side lanes each side of a central reservation.
struct RoadLayout {
  int lanes_per_side = 2;
  double lane_width_m = 3.5;
  double median_half_width_m = 1.0;
  double shoulder_m = 1.5;
  double dash_m = 3.0, gap_m = 9.0;
  double near_m = 10.0, far_m = 160.0;  // extent of the painted road along y
};

double lane_centre_x_m(const RoadLayout &road, int side, int lane);  // side -1 left, +1 right

// The road (asphalt, markings, verge) as the camera sees it: a top-down raster warped into
// the image, supersampled so distant texture averages instead of aliasing.
cv::Mat render_road(const CameraModel &camera, const RoadLayout &road, std::uint32_t seed);

// Calibration JSON a user would make: lane-marking corners and their surveyed positions.
std::string calibration_json(const CameraModel &camera, const RoadLayout &road);

}  // namespace rw::speedtest

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/types.hpp>

#include "rw/geometry/calibration.hpp"

namespace rw::calibrate {

// One image <-> ground correspondence.
struct PointPair {
  cv::Point2d image_px;
  cv::Point2d world_m;
};

// Parses "u,v=x,y" (image pixels = world metres; spaces around numbers allowed). Throws
// rw::Error naming the text for anything else, including non-finite numbers.
PointPair parse_pair(std::string_view text);

// The calibration JSON (rw/geometry/calibration.hpp format) holding just these pairs, so that
// --pair input goes through the same parse_calibration() fit as a file.
std::string pairs_to_json(const std::vector<PointPair> &pairs);

// What a calibration JSON that parse_calibration() has accepted holds besides the fit: its
// pairs, world points converted to metres (the file's "units"), image points as written
// (before any undistortion); and whether it gives the homography rather than asking for a fit.
struct CalibrationPairs {
  std::vector<PointPair> pairs;
  bool homography_given = false;
};
CalibrationPairs pairs_from_json(std::string_view json_text, std::string_view origin);

// A calibration file that parse_calibration() reads back to the same homography: the pairs
// (world in metres), the fitted image -> world "homography" and any lens parameters.
std::string calibration_to_json(const rw::geometry::Calibration &calibration,
                                const std::vector<PointPair> &pairs);

}  // namespace rw::calibrate

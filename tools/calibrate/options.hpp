#pragma once

#include <string>
#include <vector>

#include "point_pairs.hpp"

namespace rw::calibrate {

struct Options {
  bool help = false;
  std::string frame_path;
  std::string points_path;       // --points: a calibration JSON
  std::vector<PointPair> pairs;  // --pair, in order
  std::string write_path;        // --write: calibration JSON out
  std::string check_image_path;  // --check-image: PNG/JPEG out
  double grid_step_x_m = 5;      // --grid-m S or SX,SY (across, along the road)
  double grid_step_y_m = 5;
};

// The usage text printed by --help and after option errors.
extern const char *const kUsage;

// Parses the arguments after the program name. Throws rw::Error on an unknown option, a
// missing value, bad --pair or --grid-m text, no --frame, or not exactly one of --points and
// --pair. The pair count is left to the fit, which names the minimum.
Options parse_options(const std::vector<std::string> &args);

}  // namespace rw::calibrate

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

namespace rw::geometry {

// Maps image pixels to metres on a flat road plane through a 3x3 homography.
//
// JSON calibration format (one object; unknown keys are rejected to catch typos):
//   {
//     "image_points": [[u, v], ...],    // pixels, at least 4, pairs with world_points
//     "world_points": [[x, y], ...],    // ground plane, in "units"
//     "homography":   [[h00, h01, h02], [h10, h11, h12], [h20, h21, h22]],
//                                       // optional, image -> world, row-major; used as given,
//                                       // the point pairs (if any) then only report its error
//     "camera_matrix": [[fx, 0, cx], [0, fy, cy], [0, 0, 1]],  // optional, pixels
//     "dist_coeffs":  [k1, k2, p1, p2(, k3(, k4, k5, k6))],     // optional, 4, 5 or 8 values,
//                                       // OpenCV's model; needs camera_matrix
//     "units": "metres"                 // optional: "metres" (default) or "feet"; feet are
//                                       // converted, everything after parsing is in metres
//   }
// With a camera_matrix, image points (calibration and runtime alike) are undistorted with
// cv::undistortPoints (P = camera_matrix) before the homography, so the homography works on
// undistorted pixels.
struct Calibration {
  cv::Matx33d image_to_world;  // homography on undistorted pixels -> metres
  cv::Matx33d world_to_image;  // its inverse
  std::optional<cv::Matx33d> camera_matrix;
  std::vector<double> dist_coeffs;  // empty, or 4, 5 or 8 values (only with camera_matrix)
  std::size_t point_pairs = 0;
  // Reprojection errors over the point pairs (RMS of the 2-D distance): world_to_image of the
  // world points against the undistorted image points, image_to_world of the image points
  // against the world points. Empty when the file gives a homography and no pairs.
  std::optional<double> rms_error_px;
  std::optional<double> rms_error_m;

  // Ground position of an image point. Points at or beyond the horizon give non-finite or
  // meaningless (behind the camera) coordinates; callers check std::isfinite.
  cv::Point2d to_world(cv::Point2d image_px) const;
  // Undistorted image position of a ground point (lens distortion is not re-applied).
  cv::Point2d to_image(cv::Point2d world_m) const;
  // Local ground size of one pixel: sqrt(|det J|) of the homography's Jacobian at the
  // (undistorted) point. The lens distortion's own local scale is neglected.
  double metres_per_pixel_at(cv::Point2d image_px) const;
};

// Parses and fits a calibration. origin names the input in error messages (a file name, or
// "property"). Throws rw::Error on malformed JSON, fewer than 4 pairs, a count mismatch,
// non-finite values, (nearly) collinear points, a singular homography or bad lens parameters.
Calibration parse_calibration(std::string_view json_text, std::string_view origin);

// Reads path and parses it; throws rw::Error when the file cannot be read.
Calibration load_calibration_file(const std::string &path);

}  // namespace rw::geometry

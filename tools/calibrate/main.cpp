// roadwatch-calibrate: fits a ground-plane calibration from point pairs on a frame, prints how
// well it fits, and writes the calibration file and a check image. See kUsage (options.cpp).

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "check_image.hpp"
#include "options.hpp"
#include "point_pairs.hpp"
#include "rw/common/error.hpp"
#include "rw/geometry/calibration.hpp"

namespace {

using rw::Error;
using rw::calibrate::Options;
using rw::calibrate::PointPair;
using rw::geometry::Calibration;

constexpr int kExitFitError = 1;
constexpr int kExitUsage = 2;

std::string read_text(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("--points " + path + ": cannot open the file");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void print_report(const Calibration &c, const std::vector<PointPair> &pairs,
                  bool homography_given) {
  std::printf("homography, image px -> world m (row-major)%s:\n",
              homography_given ? ", as given in the file (the pairs only measure its error)" : "");
  for (int r = 0; r < 3; ++r) {
    std::printf("  [% .10e, % .10e, % .10e]\n", c.image_to_world(r, 0), c.image_to_world(r, 1),
                c.image_to_world(r, 2));
  }
  if (c.rms_error_px && c.rms_error_m) {
    std::printf("RMS reprojection error: %.3f px, %.4f m over %zu pairs\n", *c.rms_error_px,
                *c.rms_error_m, pairs.size());
  }
  std::printf("%3s %20s %20s %12s %11s %9s\n", "#", "image u,v (px)", "world x,y (m)",
              "residual px", "residual m", "m/px");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const PointPair &p = pairs[i];
    // Residuals as parse_calibration measures them: on undistorted pixels, and in metres.
    const cv::Point2d seen_px = c.to_image(c.to_world(p.image_px));
    const double error_px = cv::norm(c.to_image(p.world_m) - seen_px);
    const double error_m = cv::norm(c.to_world(p.image_px) - p.world_m);
    std::printf("%3zu %9.2f,%10.2f %9.3f,%10.3f %12.3f %11.4f %9.5f\n", i + 1, p.image_px.x,
                p.image_px.y, p.world_m.x, p.world_m.y, error_px, error_m,
                c.metres_per_pixel_at(p.image_px));
  }
}

void write_text(const std::string &path, const std::string &text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file) throw Error("--write " + path + ": cannot write the file");
}

int run(const Options &o) {
  const cv::Mat frame = cv::imread(o.frame_path, cv::IMREAD_COLOR);
  if (frame.empty()) {
    throw Error("--frame " + o.frame_path +
                ": cannot read an image from it (missing file, or "
                "not a format OpenCV reads, e.g. PNG or JPEG)");
  }
  const bool from_file = !o.points_path.empty();
  const std::string origin = from_file ? o.points_path : "from --pair";
  const std::string text =
      from_file ? read_text(o.points_path) : rw::calibrate::pairs_to_json(o.pairs);
  const Calibration calibration = rw::geometry::parse_calibration(text, origin);
  const auto input = from_file ? rw::calibrate::pairs_from_json(text, origin)
                               : rw::calibrate::CalibrationPairs{o.pairs, false};

  std::printf("%zu point pairs %s%s, frame %s (%dx%d)\n", input.pairs.size(),
              from_file ? "from " : "", origin.c_str(), o.frame_path.c_str(), frame.cols,
              frame.rows);
  print_report(calibration, input.pairs, input.homography_given);
  for (std::size_t i = 0; i < input.pairs.size(); ++i) {
    const cv::Point2d p = input.pairs[i].image_px;
    if (p.x < 0 || p.y < 0 || p.x > frame.cols || p.y > frame.rows) {
      std::fprintf(stderr,
                   "roadwatch-calibrate: warning: image point %zu (%.1f, %.1f) is outside "
                   "the %dx%d frame; is it the right frame size?\n",
                   i + 1, p.x, p.y, frame.cols, frame.rows);
    }
  }

  if (!o.write_path.empty()) {
    write_text(o.write_path, rw::calibrate::calibration_to_json(calibration, input.pairs));
    std::printf("wrote %s\n", o.write_path.c_str());
  }
  if (!o.check_image_path.empty()) {
    const cv::Mat check = rw::calibrate::draw_check_image(frame, calibration, input.pairs,
                                                          {o.grid_step_x_m, o.grid_step_y_m});
    if (!cv::imwrite(o.check_image_path, check)) {
      throw Error("--check-image " + o.check_image_path + ": cannot write the image");
    }
    std::printf("wrote %s\n", o.check_image_path.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options options;
  try {
    options = rw::calibrate::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error &e) {
    std::fprintf(stderr, "roadwatch-calibrate: %s\n(run with --help for usage)\n", e.what());
    return kExitUsage;
  }
  if (options.help) {
    std::fputs(rw::calibrate::kUsage, stdout);
    return 0;
  }
  try {
    return run(options);
  } catch (const Error &e) {
    std::fprintf(stderr, "roadwatch-calibrate: %s\n", e.what());
  } catch (const cv::Exception &e) {
    std::fprintf(stderr, "roadwatch-calibrate: OpenCV: %s\n", e.what());
  }
  return kExitFitError;
}

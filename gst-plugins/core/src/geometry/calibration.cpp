#include "rw/geometry/calibration.hpp"

#include <cmath>

#include <opencv2/calib3d.hpp>

#include "config/json_config.hpp"

namespace rw::geometry {
namespace {

using config::Json;
using config::JsonConfigReader;

constexpr std::size_t kMinPairs = 4;
constexpr double kMetresPerFoot = 0.3048;
// Smallest/largest eigenvalue of the points' covariance below this: a (near) line, which
// leaves the homography undetermined. 1e-6 is a spread across the line under 0.1 % of the
// spread along it.
constexpr double kMinSpreadRatio = 1e-6;
// Smallest/largest singular value of a usable homography; below this it has no stable inverse.
constexpr double kMinConditionRatio = 1e-12;
std::vector<cv::Point2d> read_points(const Json &doc, const char *key,
                                     const JsonConfigReader &reader) {
  std::vector<cv::Point2d> points;
  if (!doc.contains(key)) return points;
  const Json &list = doc.at(key);
  if (!list.is_array()) reader.fail(std::string("\"") + key + "\" must be an array of [x, y]");
  for (std::size_t i = 0; i < list.size(); ++i) {
    points.push_back(reader.point(list[i], std::string(key) + "[" + std::to_string(i) + "]"));
  }
  return points;
}

cv::Matx33d read_matrix(const Json &doc, const char *key, const JsonConfigReader &reader) {
  const Json &rows = doc.at(key);
  const std::string what = std::string("\"") + key + "\" must be a 3x3 array of rows";
  if (!rows.is_array() || rows.size() != 3) reader.fail(what);
  cv::Matx33d m;
  for (int r = 0; r < 3; ++r) {
    const Json &row = rows[static_cast<std::size_t>(r)];
    if (!row.is_array() || row.size() != 3) reader.fail(what);
    for (int c = 0; c < 3; ++c) {
      const std::string where =
          std::string(key) + "[" + std::to_string(r) + "][" + std::to_string(c) + "]";
      m(r, c) = reader.finite_number(row[static_cast<std::size_t>(c)], where);
    }
  }
  return m;
}

// Throws when the points lie (nearly) on one line.
void check_spread(const std::vector<cv::Point2d> &points, const char *key,
                  const JsonConfigReader &reader) {
  cv::Point2d mean(0, 0);
  for (const auto &p : points) mean += p;
  mean *= 1.0 / static_cast<double>(points.size());
  double sxx = 0, syy = 0, sxy = 0;
  for (const auto &p : points) {
    const cv::Point2d d = p - mean;
    sxx += d.x * d.x;
    syy += d.y * d.y;
    sxy += d.x * d.y;
  }
  const double half_trace = 0.5 * (sxx + syy);
  const double root = std::hypot(0.5 * (sxx - syy), sxy);
  const double largest = half_trace + root, smallest = half_trace - root;
  if (!(largest > 0) || smallest <= kMinSpreadRatio * largest) {
    reader.fail(std::string("\"") + key +
                "\" are (nearly) collinear or coincident; pick points spread over the "
                "road plane, not along one line");
  }
}

void check_invertible(const cv::Matx33d &h, const JsonConfigReader &reader,
                      const std::string &what) {
  cv::Vec3d singular_values;
  cv::SVD::compute(h, singular_values, cv::SVD::NO_UV);
  if (!(singular_values[2] > kMinConditionRatio * singular_values[0])) {
    reader.fail(what + " is singular (not invertible)");
  }
}

cv::Point2d apply(const cv::Matx33d &h, cv::Point2d p) {
  const cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1.0);
  return {q[0] / q[2], q[1] / q[2]};
}

// Similarity moving the points' centroid to 0 and their mean distance from it to sqrt(2)
// (Hartley), which keeps the DLT well conditioned for pixels and metres alike.
cv::Matx33d normalising_transform(const std::vector<cv::Point2d> &points) {
  cv::Point2d mean(0, 0);
  for (const auto &p : points) mean += p;
  mean *= 1.0 / static_cast<double>(points.size());
  double distance = 0;
  for (const auto &p : points) distance += cv::norm(p - mean);
  const double s = std::sqrt(2.0) * static_cast<double>(points.size()) / distance;
  return {s, 0, -s * mean.x, 0, s, -s * mean.y, 0, 0, 1};
}

// Normalised DLT: least squares on the algebraic error over all pairs, solved by SVD.
cv::Matx33d fit_homography(const std::vector<cv::Point2d> &from,
                           const std::vector<cv::Point2d> &to) {
  const cv::Matx33d t_from = normalising_transform(from), t_to = normalising_transform(to);
  cv::Mat a(2 * static_cast<int>(from.size()), 9, CV_64F, cv::Scalar(0));
  for (int i = 0; i < static_cast<int>(from.size()); ++i) {
    const cv::Point2d p = apply(t_from, from[static_cast<std::size_t>(i)]);
    const cv::Point2d q = apply(t_to, to[static_cast<std::size_t>(i)]);
    double *x_row = a.ptr<double>(2 * i), *y_row = a.ptr<double>(2 * i + 1);
    const double xy[3] = {p.x, p.y, 1.0};
    for (int j = 0; j < 3; ++j) {
      x_row[j] = -xy[j];
      x_row[6 + j] = q.x * xy[j];
      y_row[3 + j] = -xy[j];
      y_row[6 + j] = q.y * xy[j];
    }
  }
  cv::Mat h;
  cv::SVD::solveZ(a, h);
  const cv::Matx33d normalised(h.ptr<double>());
  const cv::Matx33d result = t_to.inv() * normalised * t_from;
  // h22 = 1 reads best, unless the image origin lies on the horizon (h22 ~ 0).
  const double scale =
      std::abs(result(2, 2)) > 1e-9 * cv::norm(result) ? result(2, 2) : cv::norm(result);
  return result * (1.0 / scale);
}

double rms_distance(const std::vector<cv::Point2d> &a, const std::vector<cv::Point2d> &b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const cv::Point2d d = a[i] - b[i];
    sum += d.dot(d);
  }
  return std::sqrt(sum / static_cast<double>(a.size()));
}

cv::Point2d undistort(const Calibration &c, cv::Point2d image_px) {
  if (!c.camera_matrix) return image_px;
  const cv::Mat src(1, 1, CV_64FC2, &image_px);
  cv::Mat dst;
  const cv::Mat k(*c.camera_matrix);
  cv::undistortPoints(src, dst, k, c.dist_coeffs, cv::noArray(), k);
  return dst.at<cv::Point2d>(0);
}

void read_lens(const Json &doc, Calibration &c, const JsonConfigReader &reader) {
  if (doc.contains("camera_matrix")) {
    const cv::Matx33d k = read_matrix(doc, "camera_matrix", reader);
    if (!(k(0, 0) > 0 && k(1, 1) > 0) || k(2, 0) != 0 || k(2, 1) != 0 || k(2, 2) != 1) {
      reader.fail(
          "\"camera_matrix\" must be [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0");
    }
    c.camera_matrix = k;
  }
  if (doc.contains("dist_coeffs")) {
    const Json &d = doc.at("dist_coeffs");
    if (!d.is_array() || (d.size() != 4 && d.size() != 5 && d.size() != 8)) {
      reader.fail(
          "\"dist_coeffs\" must be an array of 4, 5 or 8 numbers (k1, k2, p1, p2[, k3[, "
          "k4, k5, k6]])");
    }
    if (!c.camera_matrix) reader.fail("\"dist_coeffs\" needs a \"camera_matrix\"");
    for (std::size_t i = 0; i < d.size(); ++i) {
      c.dist_coeffs.push_back(reader.finite_number(d[i], "dist_coeffs[" + std::to_string(i) + "]"));
    }
  }
}

double read_units_scale(const Json &doc, const JsonConfigReader &reader) {
  if (!doc.contains("units")) return 1.0;
  const Json &u = doc.at("units");
  if (u == "metres") return 1.0;
  if (u == "feet") return kMetresPerFoot;
  reader.fail("\"units\" must be \"metres\" or \"feet\", got " + u.dump());
}

}  // namespace

cv::Point2d Calibration::to_world(cv::Point2d image_px) const {
  return apply(image_to_world, undistort(*this, image_px));
}

cv::Point2d Calibration::to_image(cv::Point2d world_m) const {
  return apply(world_to_image, world_m);
}

double Calibration::metres_per_pixel_at(cv::Point2d image_px) const {
  const cv::Point2d p = undistort(*this, image_px);
  const cv::Matx33d &h = image_to_world;
  const cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1.0);
  const double w = q[2], x = q[0] / w, y = q[1] / w;
  // d(x, y)/d(u, v) of the projective map: (h_ij - world_i * h_2j) / w.
  const double j00 = (h(0, 0) - x * h(2, 0)) / w, j01 = (h(0, 1) - x * h(2, 1)) / w;
  const double j10 = (h(1, 0) - y * h(2, 0)) / w, j11 = (h(1, 1) - y * h(2, 1)) / w;
  return std::sqrt(std::abs(j00 * j11 - j01 * j10));
}

Calibration parse_calibration(std::string_view json_text, std::string_view origin) {
  const JsonConfigReader reader("calibration", origin);
  const Json doc = reader.parse_object(json_text, "\"image_points\" and \"world_points\"");
  reader.expect_only_keys(
      doc, {"image_points", "world_points", "homography", "camera_matrix", "dist_coeffs", "units"},
      "top level");

  Calibration c;
  read_lens(doc, c, reader);
  const double scale_m = read_units_scale(doc, reader);
  std::vector<cv::Point2d> image_px = read_points(doc, "image_points", reader);
  std::vector<cv::Point2d> world_m = read_points(doc, "world_points", reader);
  for (auto &p : world_m) p *= scale_m;
  if (image_px.size() != world_m.size()) {
    reader.fail("\"image_points\" has " + std::to_string(image_px.size()) +
                " points but \"world_points\" has " + std::to_string(world_m.size()) +
                "; they must pair up one to one");
  }
  c.point_pairs = image_px.size();
  for (auto &p : image_px) p = undistort(c, p);

  if (doc.contains("homography")) {
    const cv::Matx33d units = cv::Matx33d::diag({scale_m, scale_m, 1.0});
    c.image_to_world = units * read_matrix(doc, "homography", reader);
    check_invertible(c.image_to_world, reader, "\"homography\"");
  } else {
    if (c.point_pairs < kMinPairs) {
      reader.fail("needs at least 4 image/world point pairs (or a \"homography\"), got " +
                  std::to_string(c.point_pairs));
    }
    check_spread(image_px, "image_points", reader);
    check_spread(world_m, "world_points", reader);
    c.image_to_world = fit_homography(image_px, world_m);
    check_invertible(c.image_to_world, reader,
                     "the homography fitted to the point pairs (3 of them collinear?)");
  }
  c.world_to_image = c.image_to_world.inv();

  if (c.point_pairs > 0) {
    std::vector<cv::Point2d> mapped_m, mapped_px;
    for (const auto &p : image_px) mapped_m.push_back(apply(c.image_to_world, p));
    for (const auto &p : world_m) mapped_px.push_back(apply(c.world_to_image, p));
    c.rms_error_m = rms_distance(mapped_m, world_m);
    c.rms_error_px = rms_distance(mapped_px, image_px);
  }
  return c;
}

Calibration load_calibration_file(const std::string &path) {
  return parse_calibration(config::read_config_file(path, "calibration file"), path);
}

}  // namespace rw::geometry

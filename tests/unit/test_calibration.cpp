// Calibration: known homographies recovered from point pairs, the JSON format, user errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "rw/common/error.hpp"
#include "rw/geometry/calibration.hpp"

namespace {

using rw::geometry::Calibration;
using rw::geometry::load_calibration_file;
using rw::geometry::parse_calibration;

cv::Point2d apply(const cv::Matx33d &h, cv::Point2d p) {
  const cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1.0);
  return {q[0] / q[2], q[1] / q[2]};
}

std::string points_json(const std::vector<cv::Point2d> &points) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (std::size_t i = 0; i < points.size(); ++i) {
    out << (i ? ", " : "") << "[" << points[i].x << ", " << points[i].y << "]";
  }
  out << "]";
  return out.str();
}

std::string matrix_json(const cv::Matx33d &m) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (int r = 0; r < 3; ++r) {
    out << (r ? ", " : "") << "[" << m(r, 0) << ", " << m(r, 1) << ", " << m(r, 2) << "]";
  }
  out << "]";
  return out.str();
}

std::string pairs_json(const std::vector<cv::Point2d> &image_px,
                       const std::vector<cv::Point2d> &world_m) {
  return R"({"image_points": )" + points_json(image_px) + R"(, "world_points": )" +
         points_json(world_m) + "}";
}

// The rw::Error message of parsing text, or "" when it parses.
std::string error_of(const std::string &text) {
  try {
    parse_calibration(text, "test.json");
  } catch (const rw::Error &e) {
    return e.what();
  }
  return "";
}

// A 7 m wide, 60 m long stretch of road seen in perspective by a 1920x1080 camera.
const std::vector<cv::Point2f> kRoadImagePx = {{800, 500}, {1120, 500}, {1600, 1000}, {320, 1000}};
const std::vector<cv::Point2f> kRoadWorldM = {{0, 60}, {7, 60}, {7, 0}, {0, 0}};

cv::Matx33d road_homography() {
  return cv::Matx33d(cv::getPerspectiveTransform(kRoadImagePx, kRoadWorldM, cv::DECOMP_SVD));
}

// World points on a 1 m x 5 m grid over the road and their exact images.
void road_grid(std::vector<cv::Point2d> &image_px, std::vector<cv::Point2d> &world_m) {
  const cv::Matx33d to_image = road_homography().inv();
  for (double y = 0; y <= 60; y += 5) {
    for (double x = 0; x <= 7; x += 1) {
      world_m.emplace_back(x, y);
      image_px.push_back(apply(to_image, {x, y}));
    }
  }
}

const std::vector<cv::Point2d> kSquareImagePx = {{0, 0}, {100, 0}, {100, 100}, {0, 100}};
const std::vector<cv::Point2d> kSquareWorldM = {{0, 0}, {5, 0}, {5, 5}, {0, 5}};

TEST(Calibration, FitRecoversAKnownPerspectiveHomography) {
  std::vector<cv::Point2d> image_px, world_m;
  road_grid(image_px, world_m);
  const Calibration c = parse_calibration(pairs_json(image_px, world_m), "test.json");
  EXPECT_EQ(c.point_pairs, image_px.size());
  ASSERT_TRUE(c.rms_error_m && c.rms_error_px);
  EXPECT_LT(*c.rms_error_m, 1e-9);
  EXPECT_LT(*c.rms_error_px, 1e-7);

  const cv::Matx33d to_image = road_homography().inv();
  for (const cv::Point2d w :
       {cv::Point2d(3.3, 17.2), cv::Point2d(0.4, 55.5), cv::Point2d(6.9, 1)}) {
    const cv::Point2d p = apply(to_image, w);
    EXPECT_NEAR(c.to_world(p).x, w.x, 1e-6);
    EXPECT_NEAR(c.to_world(p).y, w.y, 1e-6);
    EXPECT_NEAR(c.to_image(w).x, p.x, 1e-6);
    EXPECT_NEAR(c.to_image(w).y, p.y, 1e-6);
  }
}

TEST(Calibration, FourPairsGiveTheExactHomography) {
  std::vector<cv::Point2d> image_px(kRoadImagePx.begin(), kRoadImagePx.end());
  std::vector<cv::Point2d> world_m(kRoadWorldM.begin(), kRoadWorldM.end());
  const Calibration c = parse_calibration(pairs_json(image_px, world_m), "test.json");
  const cv::Point2d mid = apply(road_homography().inv(), {3.5, 30});
  EXPECT_NEAR(c.to_world(mid).x, 3.5, 1e-6);
  EXPECT_NEAR(c.to_world(mid).y, 30, 1e-6);
}

TEST(Calibration, NoisyImagePointsReportTheNoiseLevel) {
  std::vector<cv::Point2d> image_px, world_m;
  road_grid(image_px, world_m);
  std::mt19937 rng(7);
  constexpr double kSigmaPx = 1.0;
  std::normal_distribution<double> noise(0.0, kSigmaPx);
  for (auto &p : image_px) p += cv::Point2d(noise(rng), noise(rng));
  const Calibration c = parse_calibration(pairs_json(image_px, world_m), "test.json");
  // RMS 2-D distance of per-axis noise sigma is about sqrt(2) sigma, less the 8 fitted DOF.
  ASSERT_TRUE(c.rms_error_px);
  EXPECT_GT(*c.rms_error_px, 0.9 * kSigmaPx);
  EXPECT_LT(*c.rms_error_px, 1.8 * kSigmaPx);
  EXPECT_GT(*c.rms_error_m, 0.0);
}

TEST(Calibration, GivenHomographyIsUsedAsIs) {
  const cv::Matx33d h(0.05, 0, -10, 0, 0.05, 3, 0, 0, 1);
  const Calibration c = parse_calibration(R"({"homography": )" + matrix_json(h) + "}", "property");
  EXPECT_EQ(c.point_pairs, 0u);
  EXPECT_FALSE(c.rms_error_m);
  EXPECT_FALSE(c.rms_error_px);
  EXPECT_NEAR(c.to_world({200, 40}).x, 0, 1e-12);
  EXPECT_NEAR(c.to_world({200, 40}).y, 5, 1e-12);
  EXPECT_NEAR(c.to_image({0, 5}).x, 200, 1e-9);
  EXPECT_NEAR(c.to_image({0, 5}).y, 40, 1e-9);
}

TEST(Calibration, GivenHomographyWithPairsReportsItsError) {
  const cv::Matx33d h(0.05, 0, 0, 0, 0.05, 0, 0, 0, 1);
  // One world point is 0.3 m off in x: RMS over 4 pairs is 0.15 m, 3 px.
  std::vector<cv::Point2d> world_m = {{0, 0}, {5.3, 0}, {5, 5}, {0, 5}};
  const Calibration c = parse_calibration(
      R"({"homography": )" + matrix_json(h) + R"(, "image_points": )" +
          points_json(kSquareImagePx) + R"(, "world_points": )" + points_json(world_m) + "}",
      "test.json");
  EXPECT_EQ(c.point_pairs, 4u);
  EXPECT_NEAR(*c.rms_error_m, 0.15, 1e-12);
  EXPECT_NEAR(*c.rms_error_px, 3.0, 1e-9);
}

TEST(Calibration, MetresPerPixelOfAPureScalingIsTheScale) {
  const Calibration c =
      parse_calibration(R"({"homography": [[0.05, 0, 0], [0, 0.05, 0], [0, 0, 1]]})", "property");
  EXPECT_NEAR(c.metres_per_pixel_at({0, 0}), 0.05, 1e-15);
  EXPECT_NEAR(c.metres_per_pixel_at({640, 360}), 0.05, 1e-15);
}

TEST(Calibration, MetresPerPixelMatchesFiniteDifferencesInPerspective) {
  const Calibration c =
      parse_calibration(R"({"homography": )" + matrix_json(road_homography()) + "}", "test.json");
  for (const cv::Point2d p : {cv::Point2d(960, 520), cv::Point2d(900, 950)}) {
    constexpr double kStepPx = 1e-3;
    const cv::Point2d du =
        (c.to_world(p + cv::Point2d(kStepPx, 0)) - c.to_world(p - cv::Point2d(kStepPx, 0))) /
        (2 * kStepPx);
    const cv::Point2d dv =
        (c.to_world(p + cv::Point2d(0, kStepPx)) - c.to_world(p - cv::Point2d(0, kStepPx))) /
        (2 * kStepPx);
    const double expected = std::sqrt(std::abs(du.x * dv.y - du.y * dv.x));
    EXPECT_NEAR(c.metres_per_pixel_at(p), expected, 1e-6 * expected);
  }
  // Far (top of the image) pixels cover more road than near ones.
  EXPECT_GT(c.metres_per_pixel_at({960, 520}), 4 * c.metres_per_pixel_at({960, 990}));
}

TEST(Calibration, FeetAreConvertedToMetres) {
  std::vector<cv::Point2d> world_ft = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
  const Calibration c =
      parse_calibration(R"({"units": "feet", "image_points": )" + points_json(kSquareImagePx) +
                            R"(, "world_points": )" + points_json(world_ft) + "}",
                        "test.json");
  EXPECT_NEAR(c.to_world({100, 100}).x, 3.048, 1e-9);
  EXPECT_NEAR(c.to_world({50, 0}).x, 1.524, 1e-9);
  const Calibration given = parse_calibration(
      R"({"units": "feet", "homography": [[0.1, 0, 0], [0, 0.1, 0], [0, 0, 1]]})", "property");
  EXPECT_NEAR(given.to_world({100, 0}).x, 3.048, 1e-12);
}

TEST(Calibration, ZeroDistortionIsTheIdentity) {
  const Calibration c = parse_calibration(
      R"({"homography": [[0.05, 0, 0], [0, 0.05, 0], [0, 0, 1]],
          "camera_matrix": [[1000, 0, 640], [0, 1000, 360], [0, 0, 1]],
          "dist_coeffs": [0, 0, 0, 0, 0]})",
      "test.json");
  ASSERT_TRUE(c.camera_matrix);
  EXPECT_EQ(c.dist_coeffs.size(), 5u);
  for (const cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(1200, 700), cv::Point2d(640, 360)}) {
    EXPECT_NEAR(c.to_world(p).x, 0.05 * p.x, 1e-9);
    EXPECT_NEAR(c.to_world(p).y, 0.05 * p.y, 1e-9);
  }
}

TEST(Calibration, RadialDistortionMovesPointsAsOpenCvUndistorts) {
  const cv::Matx33d k(1000, 0, 640, 0, 1000, 360, 0, 0, 1);
  const std::vector<double> dist = {-0.2, 0, 0, 0};
  const Calibration c = parse_calibration(
      R"({"homography": [[0.05, 0, 0], [0, 0.05, 0], [0, 0, 1]],
          "camera_matrix": [[1000, 0, 640], [0, 1000, 360], [0, 0, 1]],
          "dist_coeffs": [-0.2, 0, 0, 0]})",
      "test.json");
  const std::vector<cv::Point2d> corner = {{1200, 700}};
  std::vector<cv::Point2d> undistorted;
  cv::undistortPoints(corner, undistorted, k, dist, cv::noArray(), k);
  // Barrel distortion (k1 < 0) pulled the corner in; undistortion pushes it out.
  EXPECT_GT(undistorted[0].x, 1200 + 10);
  EXPECT_NEAR(c.to_world(corner[0]).x, 0.05 * undistorted[0].x, 1e-9);
  EXPECT_NEAR(c.to_world(corner[0]).y, 0.05 * undistorted[0].y, 1e-9);
  // The principal point does not move.
  EXPECT_NEAR(c.to_world({640, 360}).x, 32, 1e-9);
}

TEST(Calibration, LoadsAFile) {
  const std::string path = ::testing::TempDir() + "rw_calibration_test.json";
  std::ofstream(path) << pairs_json(kSquareImagePx, kSquareWorldM);
  const Calibration c = load_calibration_file(path);
  EXPECT_NEAR(c.to_world({50, 50}).x, 2.5, 1e-9);
  std::remove(path.c_str());
}

TEST(CalibrationErrors, MissingFileNamesThePath) {
  try {
    load_calibration_file("/nonexistent/calib.json");
    FAIL() << "no error";
  } catch (const rw::Error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/calib.json"), std::string::npos);
  }
}

TEST(CalibrationErrors, MessagesNameTheFaultyInput) {
  const std::vector<cv::Point2d> line_px = {{0, 0}, {10, 10}, {20, 20}, {30, 30}};
  const std::vector<cv::Point2d> line_m = {{0, 0}, {1, 0}, {2, 0}, {3, 0}};
  struct Case {
    const char *name;
    std::string text;
    const char *expected;
  };
  const std::vector<Case> cases = {
      {"three pairs",
       pairs_json({kSquareImagePx.begin(), kSquareImagePx.end() - 1},
                  {kSquareWorldM.begin(), kSquareWorldM.end() - 1}),
       "at least 4 image/world point pairs"},
      {"collinear image points", pairs_json(line_px, kSquareWorldM),
       "\"image_points\" are (nearly) collinear"},
      {"collinear world points", pairs_json(kSquareImagePx, line_m),
       "\"world_points\" are (nearly) collinear"},
      {"coincident world points", pairs_json(kSquareImagePx, {{1, 1}, {1, 1}, {1, 1}, {1, 1}}),
       "\"world_points\" are (nearly) collinear"},
      {"infinite value", R"({"image_points": [[0, 0], [1e999, 0], [1, 1], [0, 1]],
                            "world_points": [[0, 0], [1, 0], [1, 1], [0, 1]]})",
       "number overflow parsing '1e999'"},
      {"null value", R"({"image_points": [[0, 0], [1, null], [1, 1], [0, 1]],
                        "world_points": [[0, 0], [1, 0], [1, 1], [0, 1]]})",
       "image_points[1]: expected [x, y] with two numbers"},
      {"not a pair", R"({"image_points": [[0, 0, 1]], "world_points": [[0, 0]]})",
       "image_points[0]: expected [x, y] with two numbers"},
      {"count mismatch", pairs_json(kSquareImagePx, {{0, 0}, {5, 0}, {5, 5}, {0, 5}, {2, 2}}),
       "\"image_points\" has 4 points but \"world_points\" has 5"},
      {"malformed JSON", R"({"image_points": [[0, 0],})",
       "malformed JSON, parse error at line 1, column 26"},
      {"not an object", "[1, 2]", "must be a JSON object"},
      {"unknown key", R"({"image_point": []})", "unknown key \"image_point\""},
      {"singular homography", R"({"homography": [[1, 2, 3], [2, 4, 6], [0, 0, 1]]})",
       "\"homography\" is singular"},
      {"homography not 3x3", R"({"homography": [[1, 0], [0, 1]]})",
       "\"homography\" must be a 3x3 array"},
      {"camera matrix not 3x3",
       R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "camera_matrix": [[1, 0, 0]]})",
       "\"camera_matrix\" must be a 3x3 array"},
      {"camera matrix not a camera",
       R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
           "camera_matrix": [[0, 0, 0], [0, 1, 0], [0, 0, 1]]})",
       "fx, fy > 0"},
      {"bad dist_coeffs count",
       R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
           "camera_matrix": [[1000, 0, 640], [0, 1000, 360], [0, 0, 1]],
           "dist_coeffs": [0.1, 0, 0]})",
       "\"dist_coeffs\" must be an array of 4, 5 or 8 numbers"},
      {"dist_coeffs without camera",
       R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "dist_coeffs": [0, 0, 0, 0]})",
       "\"dist_coeffs\" needs a \"camera_matrix\""},
      {"bad units", R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "units": "yards"})",
       "\"units\" must be \"metres\" or \"feet\""},
  };
  for (const auto &c : cases) {
    const std::string message = error_of(c.text);
    EXPECT_NE(message.find("calibration test.json: "), std::string::npos)
        << c.name << ": " << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
  }
}

TEST(CalibrationErrors, ThreeCollinearOfFourAreRejected) {
  const std::string message =
      error_of(pairs_json({{0, 0}, {100, 0}, {200, 0}, {100, 100}}, kSquareWorldM));
  EXPECT_FALSE(message.empty());
}

}  // namespace

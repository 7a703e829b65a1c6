// roadwatch-calibrate's library: --pair parsing, options, the calibration JSON it reads and
// writes, and the road-plane grid projected through known homographies.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "check_image.hpp"
#include "ground_grid.hpp"
#include "options.hpp"
#include "point_pairs.hpp"
#include "rw/common/error.hpp"
#include "rw/geometry/calibration.hpp"

namespace {

using rw::calibrate::GridLine;
using rw::calibrate::GridSpec;
using rw::calibrate::PointPair;
using rw::geometry::parse_calibration;

// A camera at height kHeightM looking level along +y, kBackM behind y = 0: a ground point
// (x, y) shows at u = cx + f x / (y + kBackM), v = cy + f kHeightM / (y + kBackM). The horizon
// is the row v = cy; lines x = const meet there at u = cx.
constexpr double kF = 500, kCx = 320, kCy = 100, kHeightM = 5, kBackM = 10;
const cv::Size kFrame(640, 360);
const cv::Matx33d kLevelCamera(kF, kCx, kCx *kBackM,  //
                               0, kCy, kCy *kBackM + kF * kHeightM, 0, 1, kBackM);

cv::Point2d image_of(cv::Point2d world_m) {
  const cv::Vec3d q = kLevelCamera * cv::Vec3d(world_m.x, world_m.y, 1);
  return {q[0] / q[2], q[1] / q[2]};
}

std::string error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const rw::Error &e) {
    return e.what();
  }
  return "";
}

TEST(CalibratePairs, ParsesImageAndWorldCoordinates) {
  const PointPair p = rw::calibrate::parse_pair("320.5,240=3.66,-12.19");
  EXPECT_DOUBLE_EQ(p.image_px.x, 320.5);
  EXPECT_DOUBLE_EQ(p.image_px.y, 240);
  EXPECT_DOUBLE_EQ(p.world_m.x, 3.66);
  EXPECT_DOUBLE_EQ(p.world_m.y, -12.19);
  const PointPair q = rw::calibrate::parse_pair(" 1e2 , 7 = 0 , 0.5 ");
  EXPECT_DOUBLE_EQ(q.image_px.x, 100);
  EXPECT_DOUBLE_EQ(q.world_m.y, 0.5);
}

TEST(CalibratePairs, RejectsJunk) {
  for (const char *junk : {"", "=", "320,240", "320,240=", "320,240=3.5", "320;240=3.5,12",
                           "a,b=c,d", "320,240=3.5,12,7", "320,240=3.5,12x", "320,,240=1,2",
                           "nan,1=2,3", "1,inf=2,3", "1,2=3,4=5", "1 2,3=4,5"}) {
    const std::string message = error_of([&] { rw::calibrate::parse_pair(junk); });
    EXPECT_NE(message.find("expected u,v=x,y"), std::string::npos) << "'" << junk << "'";
  }
}

std::vector<PointPair> level_camera_pairs() {
  std::vector<PointPair> pairs;
  for (const cv::Point2d w : {cv::Point2d(-3.5, 0), cv::Point2d(3.5, 0), cv::Point2d(-3.5, 40),
                              cv::Point2d(3.5, 40), cv::Point2d(0, 20)}) {
    pairs.push_back({image_of(w), w});
  }
  return pairs;
}

TEST(CalibratePairs, PairsJsonFitsTheKnownHomography) {
  const auto c = parse_calibration(rw::calibrate::pairs_to_json(level_camera_pairs()), "test");
  ASSERT_TRUE(c.rms_error_px);
  EXPECT_LT(*c.rms_error_px, 1e-9);
  const cv::Point2d w = c.to_world(image_of({1.25, 33}));
  EXPECT_NEAR(w.x, 1.25, 1e-9);
  EXPECT_NEAR(w.y, 33, 1e-9);
}

TEST(CalibratePairs, WrittenCalibrationReadsBackToTheSameHomography) {
  const auto pairs = level_camera_pairs();
  const auto fitted = parse_calibration(rw::calibrate::pairs_to_json(pairs), "test");
  const std::string written = rw::calibrate::calibration_to_json(fitted, pairs);
  const auto read = parse_calibration(written, "written");
  for (int i = 0; i < 9; ++i) {
    EXPECT_DOUBLE_EQ(read.image_to_world.val[i], fitted.image_to_world.val[i]) << i;
  }
  ASSERT_TRUE(read.rms_error_px);
  EXPECT_NEAR(*read.rms_error_px, *fitted.rms_error_px, 1e-12);
  const auto back = rw::calibrate::pairs_from_json(written, "written");
  EXPECT_TRUE(back.homography_given);
  ASSERT_EQ(back.pairs.size(), pairs.size());
  EXPECT_EQ(back.pairs[4].image_px, pairs[4].image_px);
  EXPECT_EQ(back.pairs[4].world_m, pairs[4].world_m);
}

TEST(CalibratePairs, FeetAndLensAreCarriedOver) {
  const std::string text = R"({"units": "feet",
      "image_points": [[0, 0], [100, 0], [100, 100], [0, 100]],
      "world_points": [[0, 0], [10, 0], [10, 10], [0, 10]],
      "camera_matrix": [[400, 0, 50], [0, 400, 50], [0, 0, 1]],
      "dist_coeffs": [-0.1, 0.01, 0, 0]})";
  const auto input = rw::calibrate::pairs_from_json(text, "feet.json");
  EXPECT_FALSE(input.homography_given);
  ASSERT_EQ(input.pairs.size(), 4u);
  EXPECT_NEAR(input.pairs[2].world_m.x, 3.048, 1e-12);  // metres from here on
  const auto c = parse_calibration(text, "feet.json");
  const auto read = parse_calibration(rw::calibrate::calibration_to_json(c, input.pairs), "out");
  ASSERT_TRUE(read.camera_matrix);
  EXPECT_EQ(read.dist_coeffs, c.dist_coeffs);
  const cv::Point2d w = read.to_world({70, 30}), expected = c.to_world({70, 30});
  EXPECT_NEAR(w.x, expected.x, 1e-9);
  EXPECT_NEAR(w.y, expected.y, 1e-9);
}

TEST(CalibrateOptions, ReadsEveryOption) {
  const auto o = rw::calibrate::parse_options({"--frame", "f.png", "--pair", "1,2=3,4", "--pair",
                                               "5,6=7,8", "--write", "out.json", "--check-image",
                                               "check.png", "--grid-m", "3.66,12.19"});
  EXPECT_EQ(o.frame_path, "f.png");
  ASSERT_EQ(o.pairs.size(), 2u);
  EXPECT_EQ(o.pairs[1].world_m, cv::Point2d(7, 8));
  EXPECT_EQ(o.write_path, "out.json");
  EXPECT_EQ(o.check_image_path, "check.png");
  EXPECT_DOUBLE_EQ(o.grid_step_x_m, 3.66);
  EXPECT_DOUBLE_EQ(o.grid_step_y_m, 12.19);
  const auto single =
      rw::calibrate::parse_options({"--frame", "f", "--points", "c.json", "--grid-m", "2"});
  EXPECT_DOUBLE_EQ(single.grid_step_x_m, 2);
  EXPECT_DOUBLE_EQ(single.grid_step_y_m, 2);
  EXPECT_TRUE(rw::calibrate::parse_options({"--help"}).help);
}

TEST(CalibrateOptions, RejectsBadCommandLines) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--points", "c.json"}, "--frame is required"},
      {{"--frame", "f"}, "no point pairs"},
      {{"--frame", "f", "--points", "c.json", "--pair", "1,2=3,4"}, "not both"},
      {{"--frame", "f", "--bogus", "x"}, "unknown option --bogus"},
      {{"--frame"}, "--frame needs a value"},
      {{"--frame", "f", "--pair", "1,2"}, "expected u,v=x,y"},
      {{"--frame", "f", "--points", "c", "--grid-m", "0"}, "--grid-m"},
      {{"--frame", "f", "--points", "c", "--grid-m", "3,-1"}, "--grid-m"},
      {{"--frame", "f", "--points", "c", "--grid-m", "five"}, "--grid-m"},
  };
  for (const auto &[args, expected] : cases) {
    const std::string message = error_of([&] { rw::calibrate::parse_options(args); });
    EXPECT_NE(message.find(expected), std::string::npos) << args.back() << ": " << message;
  }
}

TEST(CalibrateGrid, AffineViewMapsLinesToKnownPixels) {
  // Straight down at 10 px/m, x right from u = 100, y up from v = 300: no horizon.
  const cv::Matx33d top_down(10, 0, 100, 0, -10, 300, 0, 0, 1);
  GridSpec spec;
  spec.box_m = {-5, 0, 20, 10};  // x -5..15, y 0..10
  spec.step_x_m = 5;
  spec.step_y_m = 5;
  spec.seen_m = {0, 0};
  const auto lines = rw::calibrate::ground_grid(top_down, spec, kFrame, 10);
  ASSERT_EQ(lines.size(), 5u + 3u);
  // x = -5, 0, 5, 10, 15 at u = 50 .. 250, from v = 300 (y = 0) to v = 200 (y = 10).
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(lines[i].along_y);
    EXPECT_DOUBLE_EQ(lines[i].value_m, -5 + 5 * i);
    EXPECT_NEAR(lines[i].from_px.x, 50 + 50 * i, 1e-9);
    EXPECT_NEAR(lines[i].from_px.y, 300, 1e-9);
    EXPECT_NEAR(lines[i].to_px.x, 50 + 50 * i, 1e-9);
    EXPECT_NEAR(lines[i].to_px.y, 200, 1e-9);
  }
  // y = 5 is the row v = 250 from u = 50 to 250.
  EXPECT_FALSE(lines[6].along_y);
  EXPECT_DOUBLE_EQ(lines[6].value_m, 5);
  EXPECT_NEAR(lines[6].from_px.x, 50, 1e-9);
  EXPECT_NEAR(lines[6].to_px.x, 250, 1e-9);
  EXPECT_NEAR(lines[6].from_px.y, 250, 1e-9);
}

TEST(CalibrateGrid, PerspectiveLinesStopAtFrameAndHorizon) {
  constexpr double kMarginPx = 5;
  GridSpec spec;
  spec.box_m = {-5, -20, 10, 1000};  // reaches behind the camera (y < -10) and far ahead
  spec.step_x_m = 5;
  spec.step_y_m = 10;
  spec.seen_m = {0, 20};
  const auto lines = rw::calibrate::ground_grid(kLevelCamera, spec, kFrame, kMarginPx);

  // x = 0 runs up the column u = cx from the frame bottom to kMarginPx below the horizon.
  const GridLine &centre = lines.at(1);
  ASSERT_TRUE(centre.along_y);
  ASSERT_DOUBLE_EQ(centre.value_m, 0);
  EXPECT_NEAR(centre.from_px.x, kCx, 1e-6);
  EXPECT_NEAR(centre.to_px.x, kCx, 1e-6);
  EXPECT_NEAR(std::max(centre.from_px.y, centre.to_px.y), kFrame.height, 1e-6);
  EXPECT_NEAR(std::min(centre.from_px.y, centre.to_px.y), kCy + kMarginPx, 1e-6);

  // x = 5 heads for the vanishing point (cx, cy); its image is the line through it.
  const GridLine &right = lines.at(2);
  ASSERT_DOUBLE_EQ(right.value_m, 5);
  const cv::Point2d a = right.from_px - cv::Point2d(kCx, kCy),
                    b = right.to_px - cv::Point2d(kCx, kCy);
  EXPECT_NEAR(a.x * b.y - a.y * b.x, 0, 1e-6);

  // y = 0 is the row v = cy + f h / back, clipped to the frame width; lines behind the camera
  // (y = -20) and beyond the margin at the horizon are dropped.
  bool found_y0 = false;
  for (const GridLine &line : lines) {
    if (line.along_y) continue;
    EXPECT_GT(line.value_m, -kBackM);
    EXPECT_GE(std::min(line.from_px.y, line.to_px.y), kCy + kMarginPx - 1e-9);
    if (line.value_m == 0) {
      found_y0 = true;
      EXPECT_NEAR(line.from_px.y, image_of({0, 0}).y, 1e-9);
      EXPECT_NEAR(line.to_px.y, image_of({0, 0}).y, 1e-9);
      // x -5..5 covers u = cx -/+ f 5 / back = 70 .. 570, inside the frame.
      EXPECT_NEAR(line.from_px.x, image_of({-5, 0}).x, 1e-9);
      EXPECT_NEAR(line.to_px.x, image_of({5, 0}).x, 1e-9);
    }
  }
  EXPECT_TRUE(found_y0);
}

TEST(CalibrateGrid, SignOfTheHomographyDoesNotMatter) {
  GridSpec spec;
  spec.box_m = {-5, 0, 10, 100};
  spec.step_x_m = 5;
  spec.step_y_m = 25;
  spec.seen_m = {0, 10};
  const auto plus = rw::calibrate::ground_grid(kLevelCamera, spec, kFrame, 5);
  const auto minus = rw::calibrate::ground_grid(-1.0 * kLevelCamera, spec, kFrame, 5);
  ASSERT_EQ(plus.size(), minus.size());
  for (std::size_t i = 0; i < plus.size(); ++i) {
    EXPECT_NEAR(cv::norm(plus[i].from_px - minus[i].from_px), 0, 1e-9);
    EXPECT_NEAR(cv::norm(plus[i].to_px - minus[i].to_px), 0, 1e-9);
  }
}

TEST(CalibrateGrid, SegmentOutsideTheViewIsDropped) {
  // Entirely behind the camera, and entirely off the side of the frame.
  EXPECT_FALSE(
      rw::calibrate::project_ground_segment(kLevelCamera, {0, 10}, {-1, -30}, {1, -15}, kFrame, 5));
  EXPECT_FALSE(
      rw::calibrate::project_ground_segment(kLevelCamera, {0, 10}, {50, 0}, {50, 5}, kFrame, 5));
}

TEST(CalibrateGrid, BoxGrowsAndSnapsToSteps) {
  const cv::Rect2d box = rw::calibrate::grid_box({{0, 0}, {3.5, 0}, {0, 20}, {3.5, 20}}, 3.5, 10);
  EXPECT_DOUBLE_EQ(box.x, -3.5);  // grown by one step (more than a quarter of 3.5 m)
  EXPECT_DOUBLE_EQ(box.br().x, 7);
  EXPECT_DOUBLE_EQ(box.y, -10);
  EXPECT_DOUBLE_EQ(box.br().y, 30);
}

TEST(CalibrateGrid, RejectsBadSteps) {
  GridSpec spec;
  spec.box_m = {0, 0, 100, 100};
  spec.step_x_m = 0;
  EXPECT_NE(error_of([&] { rw::calibrate::ground_grid(kLevelCamera, spec, kFrame, 5); }), "");
  spec.step_x_m = 0.1;
  spec.step_y_m = 0.1;  // 2000 lines
  EXPECT_NE(error_of([&] {
              rw::calibrate::ground_grid(kLevelCamera, spec, kFrame, 5);
            }).find("more than"),
            std::string::npos);
}

TEST(CalibrateCheckImage, DrawsTheGridOverTheFrame) {
  const auto pairs = level_camera_pairs();
  const auto c = parse_calibration(rw::calibrate::pairs_to_json(pairs), "test");
  const cv::Mat frame(kFrame, CV_8UC3, cv::Scalar(0, 0, 0));
  const cv::Mat check = rw::calibrate::draw_check_image(frame, c, pairs, {3.5, 10});
  ASSERT_EQ(check.size(), frame.size());
  ASSERT_EQ(check.type(), frame.type());
  // The line x = 0 runs up the column u = cx below the horizon: drawn on most of its rows.
  int drawn = 0, rows = 0;
  for (int v = static_cast<int>(kCy) + 20; v < kFrame.height; ++v, ++rows) {
    if (check.at<cv::Vec3b>(v, static_cast<int>(kCx)) != cv::Vec3b(0, 0, 0)) ++drawn;
  }
  EXPECT_GT(drawn, rows * 8 / 10);
  // Nothing is drawn high above the horizon, apart from the summary text at the top left.
  EXPECT_EQ(cv::countNonZero(check.rowRange(60, 90).colRange(400, 640).reshape(1)), 0);
}

}  // namespace

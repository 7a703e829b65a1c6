// Known-truth speeds through the whole chain: yolodetect (real YOLOX-Nano) ! deepsorttrack !
// homographyspeed on a rendered road (highway_scene.hpp) whose vehicles are real cars cut from
// the shared clips, each at a known constant speed. Three PTS schedules: clean 30 fps, every
// third frame dropped (PTS keep their true times), and a variable frame rate (20-50 ms, fixed
// seed); the scene is rendered at each frame's true time, the calibration is the one a user
// would make from lane-marking corners.
//
// A track belongs to the vehicle whose true ground points are nearest its valid reported ones
// (median distance); a vehicle is judged on its longest track, if that lasted >= 1 s. Its
// estimate is the inverse-variance weighted mean of the track's valid speeds (weights
// 1 / uncertainty^2, as a consumer of the reported uncertainty would combine them); the plain
// mean is printed beside it. Targets per schedule: every vehicle judged, mean absolute error
// <= 1.5 km/h, max <= 4 km/h, and at least 80 % of the valid reports within 2 sigma.
//
// The sprites are upright billboards: their look does not change with the viewing angle as a
// real vehicle's would, but their bottom edge is exactly on the ground point that moves at
// the known speed.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "highway_scene.hpp"
#include "meta/rwmeta.h"

namespace {

namespace st = rw::speedtest;

constexpr double kMinTrackedS = 1.0;
constexpr double kMaxMeanErrorKmh = 1.5;
constexpr double kMaxErrorKmh = 4.0;
constexpr double kMinWithin2Sigma = 0.8;  // of the valid reports of judged vehicles
// Farthest a track's median distance from its vehicle may be: half a lane across plus the
// depth error of a distant box bottom.
constexpr double kMatchDistanceM = 4.0;
constexpr std::int64_t kNsPerS = 1'000'000'000;

std::string resolve_asset(const char *kind, const char *name) {
  const std::string command =
      std::string(RW_SOURCE_DIR "/scripts/resolve-asset.sh ") + kind + " " + name;
  gchar *out = nullptr;
  gint status = 0;
  GError *error = nullptr;
  if (!g_spawn_command_line_sync(command.c_str(), &out, nullptr, &status, &error) ||
      !g_spawn_check_wait_status(status, nullptr)) {
    g_clear_error(&error);
    g_free(out);
    return {};
  }
  std::string path = g_strstrip(out);
  g_free(out);
  return path;
}

cv::Mat read_frame(const std::string &clip, int index) {
  cv::VideoCapture capture(clip);
  cv::Mat frame;
  for (int i = 0; i <= index; ++i) {
    if (!capture.read(frame)) return {};
  }
  return frame.clone();
}

// Frame times in ns, the only clock the chain sees.
std::vector<std::int64_t> clean_30fps() {
  std::vector<std::int64_t> pts;
  const auto frames = std::int64_t(st::HighwayScene::kDurationS * 30);
  for (std::int64_t i = 0; i < frames; ++i) pts.push_back(i * kNsPerS / 30);
  return pts;
}

std::vector<std::int64_t> every_third_dropped() {
  std::vector<std::int64_t> pts;
  const auto all = clean_30fps();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 3 != 2) pts.push_back(all[i]);
  }
  return pts;
}

std::vector<std::int64_t> variable_rate() {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<std::int64_t> interval_ms(20, 50);
  std::vector<std::int64_t> pts;
  for (std::int64_t t = 0; t < std::int64_t(st::HighwayScene::kDurationS * 1e3) * 1'000'000;
       t += interval_ms(rng) * 1'000'000) {
    pts.push_back(t);
  }
  return pts;
}

struct Report {
  double t_s;
  rw::meta::BoxPx box;
  rw::meta::Kinematics kinematics;
};

struct VehicleResult {
  double truth_kmh = 0;
  double tracked_s = 0;            // first to last report of its longest track; 0: never tracked
  double estimate_kmh = 0;         // inverse-variance weighted mean of that track's valid speeds
  double mean_kmh = 0;             // their plain mean, printed as a cross-check
  double uncertainty_kmh = 0;      // their mean reported 1-sigma
  std::size_t valid = 0;           // valid reports
  std::size_t within_2_sigma = 0;  // valid reports within 2 sigma of the truth
};

struct ScheduleResult {
  std::vector<VehicleResult> vehicles;   // index = scene vehicle
  std::size_t unmatched_tracks = 0;      // tracks with valid speeds far from every vehicle
  std::size_t tracks_without_speed = 0;  // tracks never valid (too short, or cut by an edge)
};

class SpeedTruth : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = resolve_asset("model", "yolox_nano.onnx");
    std::vector<st::Sprite> sprites;
    for (const st::SpriteSource &source : st::sprite_sources()) {
      const std::string clip = resolve_asset("media", source.clip);
      const cv::Mat frame = clip.empty() ? cv::Mat() : read_frame(clip, source.frame);
      if (frame.empty()) return;  // the test then fails saying what is missing
      sprites.push_back(st::cut_sprite(frame, source.box, source.width_m));
    }
    scene_ = new st::HighwayScene(std::move(sprites));
    calibration_file_ = RW_SPEED_OUTPUT_DIR "/speed-truth-calibration.json";
    g_file_set_contents(calibration_file_.c_str(), scene_->calibration().c_str(), -1, nullptr);
  }
  static void TearDownTestSuite() {
    delete scene_;
    scene_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(model_.empty()) << "scripts/resolve-asset.sh model yolox_nano.onnx failed";
    ASSERT_NE(scene_, nullptr) << "the shared clips (scripts/resolve-asset.sh media) are missing";
  }

  // Pushes the scene rendered at each PTS through the chain; returns every report per track.
  std::map<guint64, std::vector<Report>> run(const std::vector<std::int64_t> &pts,
                                             const char *png) {
    const std::string launch = "yolodetect model-file=" + model_ +
                               " score-threshold=0.1 ! deepsorttrack ! homographyspeed "
                               "calibration-file=" +
                               calibration_file_;
    GstHarness *h = gst_harness_new_parse(launch.c_str());
    const cv::Size size = scene_->camera().size_px;
    gst_harness_set_src_caps_str(h, ("video/x-raw,format=BGR,width=" + std::to_string(size.width) +
                                     ",height=" + std::to_string(size.height) + ",framerate=0/1")
                                        .c_str());
    std::map<guint64, std::vector<Report>> tracks;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double t_s = double(pts[i]) * 1e-9;
      const cv::Mat frame = scene_->render(t_s);
      GstBuffer *buffer = gst_buffer_new_memdup(frame.data, frame.total() * frame.elemSize());
      GST_BUFFER_PTS(buffer) = GstClockTime(pts[i]);
      GST_BUFFER_DURATION(buffer) =
          i + 1 < pts.size() ? GstClockTime(pts[i + 1] - pts[i]) : GST_CLOCK_TIME_NONE;
      GstBuffer *out = gst_harness_push_and_pull(h, buffer);
      if (out == nullptr) {
        ADD_FAILURE() << "the chain returned no buffer for the frame at " << t_s << " s";
        break;
      }
      for (const rw::meta::Object &o : rw::meta::read_objects(out, size.width, size.height)) {
        if (o.tracking && o.kinematics) {
          tracks[o.tracking->id].push_back({t_s, o.box, *o.kinematics});
        }
      }
      if (png != nullptr && pts[i] == 2 * kNsPerS) save_frames(frame, out, t_s, png);
      gst_buffer_unref(out);
    }
    gst_harness_teardown(h);
    return tracks;
  }

  // The rendered frame, and a copy with the chain's boxes, ids and speeds over the truth.
  void save_frames(const cv::Mat &frame, GstBuffer *out, double t_s, const char *png) {
    cv::imwrite(std::string(RW_SPEED_OUTPUT_DIR "/") + png + ".png", frame);
    cv::Mat annotated = frame.clone();
    for (const rw::meta::Object &o : rw::meta::read_objects(out, frame.cols, frame.rows)) {
      const cv::Rect box(cv::Point(int(o.box.x), int(o.box.y)),
                         cv::Size(int(o.box.w), int(o.box.h)));
      cv::rectangle(annotated, box, {0, 255, 255}, 1);
      if (o.kinematics && o.kinematics->valid) {
        char text[32];
        std::snprintf(text, sizeof text, "%.0f", o.kinematics->speed);
        cv::putText(annotated, text, box.tl() + cv::Point(0, -2), cv::FONT_HERSHEY_SIMPLEX, 0.35,
                    {0, 255, 255}, 1);
      }
    }
    for (const st::Vehicle &v : scene_->vehicles()) {
      const cv::Point2d foot = st::project(scene_->world_to_image(), v.ground_m(t_s));
      cv::drawMarker(annotated, foot, {0, 0, 255}, cv::MARKER_CROSS, 6);
    }
    cv::imwrite(std::string(RW_SPEED_OUTPUT_DIR "/") + png + "-annotated.png", annotated);
  }

  // Median distance between a track's valid ground points and a vehicle's true ones.
  static double median_distance_m(const std::vector<Report> &valid, const st::Vehicle &vehicle) {
    std::vector<double> distances_m;
    for (const Report &r : valid) {
      const cv::Point2d truth = vehicle.ground_m(r.t_s);
      distances_m.push_back(
          std::hypot(r.kinematics.world_x_m - truth.x, r.kinematics.world_y_m - truth.y));
    }
    const auto middle = distances_m.begin() + std::ptrdiff_t(distances_m.size() / 2);
    std::nth_element(distances_m.begin(), middle, distances_m.end());
    return *middle;
  }

  ScheduleResult evaluate(const std::map<guint64, std::vector<Report>> &tracks) const {
    const auto &vehicles = scene_->vehicles();
    ScheduleResult result;
    result.vehicles.resize(vehicles.size());
    for (std::size_t v = 0; v < vehicles.size(); ++v) {
      result.vehicles[v].truth_kmh = vehicles[v].speed_kmh();
    }
    for (const auto &[id, reports] : tracks) {
      std::vector<Report> valid;
      for (const Report &r : reports) {
        if (r.kinematics.valid) valid.push_back(r);
      }
      if (valid.empty()) {
        ++result.tracks_without_speed;
        continue;
      }
      std::size_t best = vehicles.size();
      double best_m = kMatchDistanceM;
      for (std::size_t v = 0; v < vehicles.size(); ++v) {
        const double distance_m = median_distance_m(valid, vehicles[v]);
        if (distance_m < best_m) {
          best_m = distance_m;
          best = v;
        }
      }
      if (best == vehicles.size()) {
        ++result.unmatched_tracks;
        continue;
      }
      // A vehicle with several tracks (an id switch) is judged on its longest one.
      const double tracked_s = reports.back().t_s - reports.front().t_s;
      VehicleResult &out = result.vehicles[best];
      if (tracked_s <= out.tracked_s) continue;
      out.tracked_s = tracked_s;
      out.valid = valid.size();
      out.within_2_sigma = 0;
      double weights = 0, weighted_kmh = 0, sum_kmh = 0, sum_sigma_kmh = 0;
      for (const Report &r : valid) {
        const double speed_kmh = r.kinematics.speed_kmh();
        const double sigma_kmh = std::max(r.kinematics.uncertainty_kmh(), 1e-3);
        weights += 1 / (sigma_kmh * sigma_kmh);
        weighted_kmh += speed_kmh / (sigma_kmh * sigma_kmh);
        sum_kmh += speed_kmh;
        sum_sigma_kmh += sigma_kmh;
        if (std::abs(speed_kmh - out.truth_kmh) <= 2 * sigma_kmh) ++out.within_2_sigma;
      }
      out.estimate_kmh = weighted_kmh / weights;
      out.mean_kmh = sum_kmh / double(valid.size());
      out.uncertainty_kmh = sum_sigma_kmh / double(valid.size());
    }
    return result;
  }

  void check(const char *name, const std::vector<std::int64_t> &pts, const char *png = nullptr) {
    const auto start = std::chrono::steady_clock::now();
    const ScheduleResult result = evaluate(run(pts, png));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double sum_error = 0, max_error = 0, sum_uncertainty = 0;
    std::size_t judged = 0, valid = 0, within_2_sigma = 0;
    std::string rows;
    for (std::size_t v = 0; v < result.vehicles.size(); ++v) {
      const VehicleResult &r = result.vehicles[v];
      char row[200];
      std::snprintf(row, sizeof row,
                    "  vehicle %zu: truth %5.1f km/h, estimate %6.2f (%+5.2f), plain mean %+5.2f, "
                    "+-%.2f, tracked %.2f s, %zu valid\n",
                    v, r.truth_kmh, r.estimate_kmh, r.estimate_kmh - r.truth_kmh,
                    r.mean_kmh - r.truth_kmh, r.uncertainty_kmh, r.tracked_s, r.valid);
      rows += row;
      if (r.tracked_s < kMinTrackedS || r.valid == 0) continue;
      const double error = std::abs(r.estimate_kmh - r.truth_kmh);
      sum_error += error;
      max_error = std::max(max_error, error);
      sum_uncertainty += r.uncertainty_kmh;
      valid += r.valid;
      within_2_sigma += r.within_2_sigma;
      ++judged;
    }
    const double mae = judged > 0 ? sum_error / double(judged) : 0;
    std::printf(
        "[speed] | %-19s | %3zu frames | %zu/%zu vehicles | MAE %.2f km/h | max %.2f km/h | "
        "mean 1-sigma %.2f km/h | %2.0f %% of reports within 2 sigma | %zu unmatched, %zu "
        "never-valid tracks | %.0f s\n%s",
        name, pts.size(), judged, result.vehicles.size(), mae, max_error,
        judged > 0 ? sum_uncertainty / double(judged) : 0.0,
        valid > 0 ? 100.0 * double(within_2_sigma) / double(valid) : 0.0, result.unmatched_tracks,
        result.tracks_without_speed, seconds, rows.c_str());
    std::fflush(stdout);
    EXPECT_EQ(judged, result.vehicles.size()) << name << ": every vehicle tracked >= 1 s";
    EXPECT_LE(mae, kMaxMeanErrorKmh) << name;
    EXPECT_LE(max_error, kMaxErrorKmh) << name;
    // The reported uncertainty must mean something: 95 % within 2 sigma if it were exact and
    // Gaussian; far fewer would make it a decoration.
    EXPECT_GE(double(within_2_sigma), kMinWithin2Sigma * double(valid)) << name;
  }

  static std::string model_;
  static std::string calibration_file_;
  static st::HighwayScene *scene_;
};

std::string SpeedTruth::model_;
std::string SpeedTruth::calibration_file_;
st::HighwayScene *SpeedTruth::scene_ = nullptr;

TEST_F(SpeedTruth, Clean30Fps) {
  check("clean 30 fps", clean_30fps(), "speed-truth-frame");
}

TEST_F(SpeedTruth, EveryThirdFrameDropped) {
  check("every third dropped", every_third_dropped());
}

TEST_F(SpeedTruth, VariableFrameRate) {
  check("variable 20-50 ms", variable_rate());
}

}  // namespace

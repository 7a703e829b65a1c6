// homographyspeed on metadata-only buffers: exact speeds from known displacements over PTS
// (dropped frames and irregular PTS included), heading, uncertainty, interval frames, the
// horizon and frame edges, untouched untracked objects, and clean start errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <glib/gstdio.h>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

constexpr int kW = 640, kH = 360;
constexpr double kMetresPerPx = 0.1;
constexpr GstClockTime kFrameNs = 40 * GST_MSECOND;  // 25 fps: exact in ns
// A box moving 10 px = 1 m per 40 ms frame: 25 m/s.
constexpr double kPxPerNs = 10.0 / double(kFrameNs);
constexpr double kSpeedMps = 25.0;

// Pixels map linearly to metres (0.1 m per px, same axes), with 8 pairs so it has a
// reprojection error; noise_px moves the image points off the exact grid by up to that.
std::string linear_calibration(double noise_px = 0.0, double metres_per_px = kMetresPerPx) {
  const double grid[8][2] = {{0, 0},     {300, 0},   {600, 0}, {600, 150},
                             {600, 340}, {300, 340}, {0, 340}, {0, 150}};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> noise(-noise_px, noise_px);
  std::string image = "[", world = "[";
  for (const auto &p : grid) {
    char pair[128];
    std::snprintf(pair, sizeof pair, "[%.4f, %.4f]", p[0] + noise(rng), p[1] + noise(rng));
    image += std::string(image.size() > 1 ? ", " : "") + pair;
    std::snprintf(pair, sizeof pair, "[%.4f, %.4f]", p[0] * metres_per_px, p[1] * metres_per_px);
    world += std::string(world.size() > 1 ? ", " : "") + pair;
  }
  return R"({"image_points": )" + image + R"(], "world_points": )" + world + "]}";
}

// A camera looking down a road: the horizon is image row 100 (rows above it are sky).
// Image (u, v) -> world (x, y) = (u - 320, 1000) / (v - 100) * some scale.
constexpr const char *kPerspectiveCalibration =
    R"({"homography": [[1, 0, -320], [0, 0, 1000], [0, 1, -100]]})";

GstStaticPadTemplate any_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate any_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

struct Tracked {
  guint64 id;
  rw::meta::BoxPx box;
};

class HomographySpeed : public testing::Test {
 protected:
  void SetUp() override { start({{"calibration", linear_calibration()}}); }
  void TearDown() override { gst_harness_teardown(h_); }

  void start(const std::vector<std::pair<std::string, std::string>> &properties) {
    if (h_ != nullptr) gst_harness_teardown(h_);
    GstElement *element = gst_element_factory_make("homographyspeed", nullptr);
    ASSERT_NE(element, nullptr);
    for (const auto &[name, value] : properties) {
      gst_util_set_object_arg(G_OBJECT(element), name.c_str(), value.c_str());
    }
    h_ = gst_harness_new_empty();
    gst_harness_add_element_full(h_, element, &any_src, "sink", &any_sink, "src");
    gst_object_unref(element);
    gst_harness_set_src_caps(h_, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  }

  // Pushes one metadata-only frame with these tracked objects; returns what comes out.
  std::vector<rw::meta::Object> push(GstClockTime pts, const std::vector<Tracked> &objects,
                                     bool inferred = true) {
    GstBuffer *frame = gst_buffer_new();
    GST_BUFFER_PTS(frame) = pts;
    for (const Tracked &t : objects) {
      rw::meta::Object o;
      o.box = t.box;
      o.detection = rw::meta::Detection{2, "car", 0.9};
      o.tracking = rw::meta::Tracking{t.id, "confirmed", 1, 1};
      rw::meta::add_object(frame, o, kW, kH);
    }
    rw::meta::set_inferred(frame, inferred);
    GstBuffer *out = gst_harness_push_and_pull(h_, frame);
    auto result = rw::meta::read_objects(out, kW, kH);
    gst_buffer_unref(out);
    return result;
  }

  // A 60x40 box whose bottom centre moves along +x at kPxPerNs from u = 100 at PTS 0.
  static rw::meta::BoxPx moving_box(GstClockTime pts) {
    return {70 + kPxPerNs * double(pts), 160, 60, 40};
  }

  // Pushes the box along +x at every PTS; returns the valid speeds (units as set).
  std::vector<rw::meta::Kinematics> drive(const std::vector<GstClockTime> &pts) {
    std::vector<rw::meta::Kinematics> valid;
    for (const GstClockTime t : pts) {
      const auto objects = push(t, {{1, moving_box(t)}});
      EXPECT_EQ(objects.size(), 1u);
      EXPECT_TRUE(objects[0].kinematics) << "a tracked object always gets kinematics";
      if (objects[0].kinematics->valid) valid.push_back(*objects[0].kinematics);
    }
    return valid;
  }

  static std::vector<GstClockTime> regular(int frames) {
    std::vector<GstClockTime> pts;
    for (int i = 0; i < frames; ++i) pts.push_back(GstClockTime(i) * kFrameNs);
    return pts;
  }

  GstHarness *h_ = nullptr;
};

// 1 m per 40 ms is 25 m/s: exactly 90 km/h, heading 90 (world +x), at the box's bottom centre.
TEST_F(HomographySpeed, SpeedFromKnownDisplacementKmh) {
  const auto valid = drive(regular(40));
  ASSERT_GT(valid.size(), 25u) << "valid from a 300 ms span with >= 4 points";
  for (const auto &k : valid) {
    EXPECT_NEAR(k.speed, 90.0, 1e-6);
    EXPECT_EQ(k.units, rw::meta::SpeedUnit::kKmh);
    EXPECT_NEAR(k.heading_deg, 90.0, 1e-6);
    EXPECT_GT(k.uncertainty, 0.0);
  }
  // The last frame's ground point: bottom centre, pixel-centre coordinates, 0.1 m per px.
  const rw::meta::BoxPx b = moving_box(39 * kFrameNs);
  EXPECT_NEAR(valid.back().world_x_m, (b.x + b.w / 2 - 0.5) * kMetresPerPx, 1e-6);
  EXPECT_NEAR(valid.back().world_y_m, (b.y + b.h - 0.5) * kMetresPerPx, 1e-6);
}

TEST_F(HomographySpeed, SpeedInMph) {
  start({{"calibration", linear_calibration()}, {"units", "mph"}});
  const auto valid = drive(regular(30));
  ASSERT_FALSE(valid.empty());
  for (const auto &k : valid) {
    EXPECT_NEAR(k.speed, kSpeedMps * 3600 / 1609.344, 1e-6);
    EXPECT_EQ(k.units, rw::meta::SpeedUnit::kMph);
  }
}

// Time comes from PTS only: every third frame dropped, or random 20-60 ms intervals, give
// the same speed.
TEST_F(HomographySpeed, DroppedFramesAndIrregularPtsGiveTheSameSpeed) {
  std::vector<GstClockTime> dropped;
  for (GstClockTime t : regular(60)) {
    if ((t / kFrameNs) % 3 != 2) dropped.push_back(t);
  }
  std::vector<GstClockTime> irregular;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> ms(20, 60);
  for (GstClockTime t = 0; t < 2 * GST_SECOND; t += GstClockTime(ms(rng)) * GST_MSECOND) {
    irregular.push_back(t);
  }
  for (const auto &pts : {dropped, irregular}) {
    start({{"calibration", linear_calibration()}});
    const auto valid = drive(pts);
    ASSERT_GT(valid.size(), 10u);
    for (const auto &k : valid) EXPECT_NEAR(k.speed, 90.0, 1e-6);
  }
}

// Heading: 0 along world +y (down the image here), 270 along -x.
TEST_F(HomographySpeed, Heading) {
  for (const auto &[dx, dy, heading] :
       {std::tuple{0.0, 4.0, 0.0}, std::tuple{-4.0, 0.0, 270.0}, std::tuple{4.0, -4.0, 135.0}}) {
    start({{"calibration", linear_calibration()}});
    rw::meta::Kinematics last;
    for (int i = 0; i < 20; ++i) {
      const auto objects =
          push(GstClockTime(i) * kFrameNs, {{5, {300 + dx * i, 150 + dy * i, 40, 30}}});
      last = *objects[0].kinematics;
    }
    ASSERT_TRUE(last.valid);
    EXPECT_NEAR(last.heading_deg, heading, 1e-6) << dx << ", " << dy;
    EXPECT_NEAR(last.speed, std::hypot(dx, dy) * kMetresPerPx / 0.04 * 3.6, 1e-6);
  }
}

// The uncertainty is positive with a perfect calibration and motion (the box error floor) and
// grows with the calibration's reprojection error.
TEST_F(HomographySpeed, UncertaintyGrowsWithCalibrationError) {
  double last_uncertainty[2] = {0, 0};
  for (const int noisy : {0, 1}) {
    start({{"calibration", linear_calibration(noisy ? 2.0 : 0.0)}});
    const auto valid = drive(regular(50));
    ASSERT_FALSE(valid.empty());
    for (const auto &k : valid) EXPECT_GT(k.uncertainty, 0.0);
    last_uncertainty[noisy] = valid.back().uncertainty;
  }
  // The floor over a full window: 1 px of box error at 0.1 m/px at both ends of 25 frames
  // 40 ms apart is 0.1 m * sqrt(2) / 0.96 s = 0.1473 m/s = 0.5303 km/h.
  EXPECT_NEAR(last_uncertainty[0], 0.1 * std::sqrt(2.0) / 0.96 * 3.6, 1e-3);
  EXPECT_GT(last_uncertainty[1], 1.5 * last_uncertainty[0]);
}

// Objects without a tracking param are left alone; tracked ones next to them get kinematics.
TEST_F(HomographySpeed, UntrackedObjectsUntouched) {
  GstBuffer *frame = gst_buffer_new();
  GST_BUFFER_PTS(frame) = 0;
  rw::test::add_detection(frame, {10, 10, 50, 40}, kW, kH, {2, "car", 0.8});
  rw::meta::Object tracked;
  tracked.box = {200, 100, 60, 40};
  tracked.detection = rw::meta::Detection{2, "car", 0.9};
  tracked.tracking = rw::meta::Tracking{3, "confirmed", 4, 4};
  rw::meta::add_object(frame, tracked, kW, kH);
  GstBuffer *out = gst_harness_push_and_pull(h_, frame);
  const auto objects = rw::meta::read_objects(out, kW, kH);
  gst_buffer_unref(out);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_FALSE(objects[0].kinematics);
  EXPECT_NEAR(objects[0].box.x, 10, 1e-6);
  ASSERT_TRUE(objects[1].kinematics);
  EXPECT_FALSE(objects[1].kinematics->valid) << "one position is no speed yet";
}

// Frames where inference did not run carry Kalman predictions: not measured, whatever the box
// says; the last estimate is repeated with the position extrapolated to the frame's PTS.
TEST_F(HomographySpeed, IntervalFramesRepeatTheLastEstimate) {
  drive(regular(20));
  const GstClockTime pts = 20 * kFrameNs;
  const auto objects = push(pts, {{1, {500, 300, 60, 40}}}, false);  // a wild prediction
  ASSERT_TRUE(objects[0].kinematics);
  const rw::meta::Kinematics &k = *objects[0].kinematics;
  EXPECT_TRUE(k.valid);
  EXPECT_NEAR(k.speed, 90.0, 1e-6);
  const rw::meta::BoxPx truth = moving_box(pts);
  EXPECT_NEAR(k.world_x_m, (truth.x + truth.w / 2 - 0.5) * kMetresPerPx, 1e-6);
  // Measured frames after it still give the exact speed: the prediction was not fed.
  const auto after = drive({21 * kFrameNs, 22 * kFrameNs});
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NEAR(after.back().speed, 90.0, 1e-6);
}

// A box cut by the bottom frame edge is not measured; one above the horizon is invalid.
TEST_F(HomographySpeed, FrameEdgeAndHorizon) {
  drive(regular(20));
  auto objects = push(20 * kFrameNs, {{1, {200, 330, 60, double(kH - 330)}}});
  EXPECT_TRUE(objects[0].kinematics->valid);
  EXPECT_NEAR(objects[0].kinematics->speed, 90.0, 1e-6) << "the cut box was not fed";

  start({{"calibration", kPerspectiveCalibration}});
  for (int i = 0; i < 12; ++i) {
    objects = push(GstClockTime(i) * kFrameNs, {{1, {300, 200.0 + 5 * i, 40, 30}}});
  }
  EXPECT_TRUE(objects[0].kinematics->valid) << "below the horizon: measurable";
  objects = push(12 * kFrameNs, {{1, {300, 40, 40, 30}}});  // bottom at row 70, above it
  EXPECT_FALSE(objects[0].kinematics->valid);
  EXPECT_EQ(objects[0].kinematics->speed, 0.0);
}

// A new stream starts every track over.
TEST_F(HomographySpeed, NewStreamResets) {
  ASSERT_FALSE(drive(regular(20)).empty());
  gst_harness_push_event(h_, gst_event_new_stream_start("second"));
  gst_harness_push_event(h_, gst_event_new_segment([] {
                           static GstSegment segment;
                           gst_segment_init(&segment, GST_FORMAT_TIME);
                           return &segment;
                         }()));
  const auto objects = push(21 * kFrameNs, {{1, moving_box(21 * kFrameNs)}});
  EXPECT_FALSE(objects[0].kinematics->valid);
}

// Frames without PTS: one warning, objects pass without kinematics.
TEST_F(HomographySpeed, FramesWithoutPtsWarnOnce) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h_->element, bus);
  for (int i = 0; i < 3; ++i) {
    const auto objects = push(GST_CLOCK_TIME_NONE, {{1, {100, 100, 40, 30}}});
    EXPECT_FALSE(objects[0].kinematics);
  }
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("timestamp"), std::string::npos) << warnings[0];
  gst_element_set_bus(h_->element, nullptr);
  gst_object_unref(bus);
}

// Reprojection errors: read-only, -1 until a calibration with pairs is loaded at start.
TEST(HomographySpeedProperties, ReprojectionErrorsAreReadOnly) {
  GstElement *element = gst_element_factory_make("homographyspeed", nullptr);
  for (const char *name : {"reprojection-error-px", "reprojection-error-m"}) {
    GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_FALSE(spec->flags & G_PARAM_WRITABLE) << name;
    double value = 0;
    g_object_get(element, name, &value, nullptr);
    EXPECT_EQ(value, -1.0) << name;
  }
  g_object_set(element, "calibration", linear_calibration(2.0).c_str(), nullptr);
  ASSERT_EQ(gst_element_set_state(element, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  double px = 0, m = 0;
  g_object_get(element, "reprojection-error-px", &px, "reprojection-error-m", &m, nullptr);
  EXPECT_GT(px, 0.1);
  EXPECT_LT(px, 2.0);
  EXPECT_NEAR(m, px * kMetresPerPx, 0.05);
  gst_element_set_state(element, GST_STATE_NULL);
  g_object_set(element, "calibration", kPerspectiveCalibration, nullptr);
  ASSERT_EQ(gst_element_set_state(element, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  g_object_get(element, "reprojection-error-px", &px, nullptr);
  EXPECT_EQ(px, -1.0) << "a bare homography has no pairs to measure";
  gst_element_set_state(element, GST_STATE_NULL);
  gst_object_unref(element);
}

// The reprojection error is also posted on the bus at start.
TEST(HomographySpeedProperties, ReprojectionErrorPostedAtStart) {
  GstElement *element = gst_element_factory_make("homographyspeed", nullptr);
  g_object_set(element, "calibration", linear_calibration(1.0).c_str(), nullptr);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  ASSERT_EQ(gst_element_set_state(element, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  GstMessage *info = gst_bus_pop_filtered(bus, GST_MESSAGE_INFO);
  ASSERT_NE(info, nullptr);
  GError *error = nullptr;
  gst_message_parse_info(info, &error, nullptr);
  EXPECT_NE(std::string(error->message).find("reprojection error"), std::string::npos)
      << error->message;
  g_error_free(error);
  gst_message_unref(info);
  gst_element_set_state(element, GST_STATE_NULL);
  gst_element_set_bus(element, nullptr);
  gst_object_unref(bus);
  gst_object_unref(element);
}

// Bad calibrations fail the state change with the parser's message.
TEST(HomographySpeedErrors, BadCalibrationFailsAtStart) {
  const std::string three_pairs =
      R"({"image_points": [[0, 0], [100, 0], [0, 100]], "world_points": [[0, 0], [10, 0], [0, 10]]})";
  const std::string collinear =
      R"({"image_points": [[0, 0], [1, 1], [2, 2], [3, 3]],
          "world_points": [[0, 0], [1, 0], [0, 1], [1, 1]]})";
  const std::string non_finite =
      R"({"image_points": [[0, 0], [1e999, 0], [1, 1], [0, 1]],
          "world_points": [[0, 0], [1, 0], [1, 1], [0, 1]]})";
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"calibration", three_pairs, "at least 4"},
      {"calibration", collinear, "collinear"},
      {"calibration", non_finite, "1e999"},
      {"calibration-file", "/nonexistent/calibration.json", "/nonexistent/calibration.json"},
      {"", "", "needs a calibration"},
      {"window-ms", "200", "min-span-ms"},
  };
  for (const auto &[property, value, expected] : cases) {
    GstElement *element = gst_element_factory_make("homographyspeed", nullptr);
    if (property == "window-ms")
      g_object_set(element, "calibration", linear_calibration().c_str(), "min-span-ms", 500u,
                   nullptr);
    if (!property.empty())
      gst_util_set_object_arg(G_OBJECT(element), property.c_str(), value.c_str());
    const rw::test::StartResult result = rw::test::start_element(element);
    EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE) << expected;
    EXPECT_NE(result.error.find(expected), std::string::npos) << expected << ": " << result.error;
    gst_object_unref(element);
  }
  GstElement *both = gst_element_factory_make("homographyspeed", nullptr);
  g_object_set(both, "calibration", linear_calibration().c_str(), "calibration-file",
               "/tmp/calibration.json", nullptr);
  const rw::test::StartResult result = rw::test::start_element(both);
  EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(result.error.find("both"), std::string::npos) << result.error;
  gst_object_unref(both);
}

// A calibration set while playing applies on the next frame: the track's history restarts
// (no speed until the window fills again), then speeds follow the new scale. A bad one is a
// warning and the previous one stays, history and all. Whichever property is set last wins.
TEST_F(HomographySpeed, CalibrationChangesWhilePlaying) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h_->element, bus);
  ASSERT_FALSE(drive(regular(20)).empty());

  g_object_set(h_->element, "calibration", "{\"image_points\": [[0, 0]]}", nullptr);
  auto objects = push(20 * kFrameNs, {{1, moving_box(20 * kFrameNs)}});
  ASSERT_TRUE(objects[0].kinematics->valid) << "the old calibration and history stay";
  EXPECT_NEAR(objects[0].kinematics->speed, 90.0, 1e-6);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("previous one stays"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("pair up"), std::string::npos) << warnings[0];

  // Twice the metres per pixel: twice the speed, once a new window has filled.
  g_object_set(h_->element, "calibration", linear_calibration(0.0, 2 * kMetresPerPx).c_str(),
               nullptr);
  objects = push(21 * kFrameNs, {{1, moving_box(21 * kFrameNs)}});
  EXPECT_FALSE(objects[0].kinematics->valid) << "positions through the old homography are gone";
  EXPECT_NEAR(objects[0].kinematics->world_x_m,
              (moving_box(21 * kFrameNs).x + 30 - 0.5) * 2 * kMetresPerPx, 1e-6);
  std::vector<GstClockTime> later;
  for (int i = 22; i < 40; ++i) later.push_back(GstClockTime(i) * kFrameNs);
  const auto valid = drive(later);
  ASSERT_GT(valid.size(), 5u);
  for (const auto &k : valid) EXPECT_NEAR(k.speed, 180.0, 1e-6);
  int infos = 0, others = 0;
  while (GstMessage *message = gst_bus_pop(bus)) {
    (GST_MESSAGE_TYPE(message) == GST_MESSAGE_INFO ? infos : others) += 1;
    gst_message_unref(message);
  }
  EXPECT_EQ(infos, 1) << "the new calibration is reported like the first";
  EXPECT_EQ(others, 0);

  // A file set while a string is in effect replaces it; the string is cleared.
  gchar *path = nullptr;
  g_close(g_file_open_tmp("rw-calibration-XXXXXX.json", &path, nullptr), nullptr);
  ASSERT_TRUE(g_file_set_contents(path, linear_calibration().c_str(), -1, nullptr));
  g_object_set(h_->element, "calibration-file", path, nullptr);
  gchar *inline_json = nullptr;
  g_object_get(h_->element, "calibration", &inline_json, nullptr);
  EXPECT_EQ(inline_json, nullptr);
  later.clear();
  for (int i = 40; i < 60; ++i) later.push_back(GstClockTime(i) * kFrameNs);
  const auto back = drive(later);
  ASSERT_GT(back.size(), 5u);
  for (const auto &k : back) EXPECT_NEAR(k.speed, 90.0, 1e-6);
  g_unlink(path);
  g_free(path);
  gst_element_set_bus(h_->element, nullptr);
  gst_object_unref(bus);
}

// calibration=none (or calibration-file=none) starts, with one warning saying nothing is
// measured; the errors stay unknown. Neither property set is still an error.
TEST(HomographySpeedProperties, NoneStartsUncalibratedWithOneWarning) {
  for (const char *property : {"calibration", "calibration-file"}) {
    GstElement *element = gst_element_factory_make("homographyspeed", nullptr);
    gst_util_set_object_arg(G_OBJECT(element), property, "none");
    GstBus *bus = gst_bus_new();
    gst_element_set_bus(element, bus);
    ASSERT_EQ(gst_element_set_state(element, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS)
        << property;
    const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
    ASSERT_EQ(warnings.size(), 1u) << property;
    EXPECT_NE(warnings[0].find("No calibration (calibration=none)"), std::string::npos)
        << warnings[0];
    EXPECT_TRUE(rw::test::bus_messages(bus, GST_MESSAGE_ERROR).empty());
    double px = 0;
    g_object_get(element, "reprojection-error-px", &px, nullptr);
    EXPECT_EQ(px, -1.0);
    gst_element_set_state(element, GST_STATE_NULL);
    gst_element_set_bus(element, nullptr);
    gst_object_unref(bus);
    gst_object_unref(element);
  }
  GstElement *unset = gst_element_factory_make("homographyspeed", nullptr);
  const rw::test::StartResult result = rw::test::start_element(unset);
  EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(result.error.find("calibration=none"), std::string::npos) << result.error;
  gst_object_unref(unset);
}

// Uncalibrated: every tracked object gets kinematics that say nothing (invalid, NaN). A
// calibration set while playing measures from the next frame; setting none again stops, with
// a warning.
TEST_F(HomographySpeed, UncalibratedUntilACalibrationIsSet) {
  start({{"calibration", "none"}});
  EXPECT_TRUE(drive(regular(20)).empty()) << "no valid speed without a calibration";
  const auto objects = push(20 * kFrameNs, {{1, moving_box(20 * kFrameNs)}});
  ASSERT_TRUE(objects[0].kinematics);
  const rw::meta::Kinematics &k = *objects[0].kinematics;
  EXPECT_FALSE(k.valid);
  EXPECT_TRUE(std::isnan(k.world_x_m) && std::isnan(k.world_y_m) && std::isnan(k.speed));

  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h_->element, bus);
  g_object_set(h_->element, "calibration", linear_calibration().c_str(), nullptr);
  std::vector<GstClockTime> later;
  for (int i = 21; i < 40; ++i) later.push_back(GstClockTime(i) * kFrameNs);
  const auto valid = drive(later);
  ASSERT_GT(valid.size(), 10u);
  for (const auto &v : valid) EXPECT_NEAR(v.speed, 90.0, 1e-6);
  EXPECT_EQ(rw::test::bus_messages(bus, GST_MESSAGE_INFO).size(), 1u) << "calibration loaded";

  g_object_set(h_->element, "calibration", "none", nullptr);
  const auto after = push(40 * kFrameNs, {{1, moving_box(40 * kFrameNs)}});
  EXPECT_FALSE(after[0].kinematics->valid);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("calibration=none"), std::string::npos) << warnings[0];
  gst_element_set_bus(h_->element, nullptr);
  gst_object_unref(bus);
}

// Units flipped from another thread while frames flow: every frame comes out with a speed
// in the units it says.
TEST_F(HomographySpeed, StressUnitsWhileStreaming) {
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(h_->element), "units");
  GValue units = G_VALUE_INIT;
  g_value_init(&units, spec->value_type);
  g_value_set_enum(&units, int(rw::meta::SpeedUnit::kMph));
  GstHarnessThread *thread = gst_harness_stress_property_start_full(h_, "units", &units, 0);
  // At least 300 frames, and on until the stress thread has set mph at least once (it may
  // not be scheduled before a fast stream ends); bounded so it cannot hang.
  int valid = 0, units_now = 0;
  for (int i = 0; i < 300 || units_now != int(rw::meta::SpeedUnit::kMph); ++i) {
    ASSERT_LT(i, 100000) << "the property thread never ran";
    // A new track every 50 frames, before the box leaves the frame.
    const GstClockTime pts = GstClockTime(i) * kFrameNs;
    const auto objects = push(pts, {{guint64(1 + i / 50), moving_box((i % 50) * kFrameNs)}});
    const rw::meta::Kinematics &k = *objects[0].kinematics;
    g_object_get(h_->element, "units", &units_now, nullptr);
    if (!k.valid) continue;
    ++valid;
    EXPECT_NEAR(k.speed_kmh(), 90.0, 1e-6);
  }
  EXPECT_GT(valid, 200);
  EXPECT_GT(gst_harness_stress_thread_stop(thread), 0u);
  g_value_unset(&units);
}

}  // namespace

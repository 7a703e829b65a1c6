// deepsorttrack on metadata-only buffers (ioutracker.c style): ids through overlap, gaps,
// score dips and interval frames; clean errors; properties changed while frames flow.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

constexpr int kW = 640, kH = 360;

GstStaticPadTemplate any_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate any_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

struct Det {
  double x, y, w, h;
  double score = 0.9;
};

class DeepSortTrack : public testing::Test {
 protected:
  void SetUp() override { start("appearance=none"); }
  void TearDown() override { gst_harness_teardown(h_); }

  // (Re)creates the harness with properties given as "name=value" launch syntax.
  void start(const std::string &properties) {
    if (h_ != nullptr) gst_harness_teardown(h_);
    GstElement *tracker = gst_parse_launch(("deepsorttrack " + properties).c_str(), nullptr);
    ASSERT_NE(tracker, nullptr);
    h_ = gst_harness_new_empty();
    gst_harness_add_element_full(h_, tracker, &any_src, "sink", &any_sink, "src");
    gst_harness_set_src_caps(h_, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, kW, kH));
  }

  // Pushes one metadata-only frame; returns the tracked objects that come out.
  std::vector<rw::meta::Object> push(const std::vector<Det> &dets, bool inferred = true) {
    GstBuffer *frame = gst_buffer_new();
    GST_BUFFER_PTS(frame) = frame_ * GST_SECOND / 30;
    ++frame_;
    for (const Det &d : dets) {
      rw::test::add_detection(frame, {d.x, d.y, d.w, d.h}, kW, kH, {2, "car", d.score});
    }
    rw::meta::set_inferred(frame, inferred);
    GstBuffer *out = gst_harness_push_and_pull(h_, frame);
    auto objects = rw::meta::read_objects(out, kW, kH);
    gst_buffer_unref(out);
    for (const auto &o : objects) {
      EXPECT_TRUE(o.tracking) << "every object out of the tracker has a tracking param";
    }
    return objects;
  }

  // A car moving right 4 px per frame from x0.
  static Det car(int frame, double x0 = 100, double y = 150, double score = 0.9) {
    return {x0 + 4.0 * frame, y, 60, 40, score};
  }

  GstHarness *h_ = nullptr;
  int frame_ = 0;
};

// Confirmed after n-init (3) frames, then the same id frame after frame; state and hits set.
TEST_F(DeepSortTrack, IdStableUnderOverlap) {
  EXPECT_TRUE(push({car(0)}).empty());
  EXPECT_TRUE(push({car(1)}).empty());
  guint64 id = 0;
  for (int f = 2; f < 30; ++f) {
    const auto objects = push({car(f)});
    ASSERT_EQ(objects.size(), 1u) << "frame " << f;
    if (f == 2) id = objects[0].tracking->id;
    EXPECT_EQ(objects[0].tracking->id, id) << "frame " << f;
    EXPECT_EQ(objects[0].tracking->state, "confirmed");
    EXPECT_EQ(objects[0].tracking->hits, guint(f + 1));
    EXPECT_EQ(objects[0].detection->label, "car");
    EXPECT_NEAR(objects[0].box.x, car(f).x, 1e-3);  // the detection's box is reported
  }
}

// A gap shorter than max-age: the car comes back where the Kalman filter expects it, same id.
TEST_F(DeepSortTrack, SurvivesGapShorterThanMaxAge) {
  start("appearance=none max-age=10");
  guint64 id = 0;
  for (int f = 0; f < 10; ++f) {
    const auto objects = push({car(f)});
    if (!objects.empty()) id = objects[0].tracking->id;
  }
  for (int f = 10; f < 16; ++f) EXPECT_TRUE(push({}).empty());
  const auto back = push({car(16)});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].tracking->id, id);
}

// A gap longer than max-age: the track is gone; the car gets a new id once confirmed again.
TEST_F(DeepSortTrack, LostAfterMaxAge) {
  start("appearance=none max-age=5");
  guint64 id = 0;
  for (int f = 0; f < 10; ++f) {
    const auto objects = push({car(f)});
    if (!objects.empty()) id = objects[0].tracking->id;
  }
  for (int f = 10; f < 20; ++f) push({});
  std::vector<rw::meta::Object> again;
  for (int f = 20; f < 23; ++f) again = push({car(f)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GT(again[0].tracking->id, id);
}

// Ids are never reused: not after tracks die, not after a new stream resets the tracker.
TEST_F(DeepSortTrack, NoIdReuse) {
  start("appearance=none max-age=2");
  std::set<guint64> seen;
  for (int round = 0; round < 4; ++round) {
    if (round == 2) gst_harness_push_event(h_, gst_event_new_stream_start("second"));
    guint64 id = 0;
    for (int f = 0; f < 5; ++f) {
      const auto objects = push({car(f, 100 + 50.0 * round)});
      if (!objects.empty()) id = objects[0].tracking->id;
    }
    ASSERT_NE(id, 0u);
    EXPECT_TRUE(seen.insert(id).second) << "id " << id << " reused in round " << round;
    for (int f = 0; f < 5; ++f) push({});
  }
}

// Ids count up from first-track-id (default 1), as roadwatch-run sets it on a rebuilt pipeline.
TEST_F(DeepSortTrack, FirstTrackId) {
  guint64 first = 0;
  g_object_get(h_->element, "first-track-id", &first, nullptr);
  EXPECT_EQ(first, 1u);
  start("appearance=none first-track-id=1000000001");
  std::set<guint64> ids;
  for (int f = 0; f < 4; ++f) {
    for (const auto &o : push({car(f), car(f, 400)})) ids.insert(o.tracking->id);
  }
  EXPECT_EQ(ids, (std::set<guint64>{1000000001, 1000000002}));
}

// ByteTrack's idea: a confirmed car whose score dips below high-threshold keeps its id,
// while a low-score detection on its own never becomes a track.
TEST_F(DeepSortTrack, LowScoreRecoveryKeepsId) {
  start("appearance=none high-threshold=0.5 low-threshold=0.1");
  guint64 id = 0;
  for (int f = 0; f < 6; ++f) {
    const auto objects = push({car(f)});
    if (!objects.empty()) id = objects[0].tracking->id;
  }
  for (int f = 6; f < 12; ++f) {
    const auto objects = push({car(f, 100, 150, 0.25), car(f, 400, 40, 0.3)});
    ASSERT_EQ(objects.size(), 1u) << "frame " << f << ": the lone low-score car is not tracked";
    EXPECT_EQ(objects[0].tracking->id, id) << "frame " << f;
    EXPECT_NEAR(objects[0].detection->confidence, 0.25, 1e-6);
  }
}

// Frames where yolodetect did not run only predict: the car is reported at its predicted box.
TEST_F(DeepSortTrack, IntervalFramesPredict) {
  guint64 id = 0;
  for (int f = 0; f < 8; ++f) {
    const auto objects = push({car(f)});
    if (!objects.empty()) id = objects[0].tracking->id;
  }
  for (int f = 8; f < 10; ++f) {
    const auto predicted = push({}, false);
    ASSERT_EQ(predicted.size(), 1u) << "frame " << f;
    EXPECT_EQ(predicted[0].tracking->id, id);
    EXPECT_NEAR(predicted[0].box.x, car(f).x, 3.0) << "constant velocity carries the box on";
  }
  const auto back = push({car(10)});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].tracking->id, id);
}

// One vehicle boxed twice (car and truck, as class-aware NMS allows) is one track.
TEST_F(DeepSortTrack, DuplicateBoxesOfOneVehicleMakeOneTrack) {
  for (int f = 0; f < 6; ++f) {
    GstBuffer *frame = gst_buffer_new();
    const Det c = car(f);
    rw::test::add_detection(frame, {c.x, c.y, c.w, c.h}, kW, kH, {2, "car", 0.8});
    rw::test::add_detection(frame, {c.x + 2, c.y, c.w, c.h + 2}, kW, kH, {7, "truck", 0.6});
    GstBuffer *out = gst_harness_push_and_pull(h_, frame);
    const auto objects = rw::meta::read_objects(out, kW, kH);
    gst_buffer_unref(out);
    if (f >= 2) {
      ASSERT_EQ(objects.size(), 1u) << "frame " << f;
      EXPECT_EQ(objects[0].detection->label, "car");
    }
  }
}

// output-tentative reports tracks from their first frame.
TEST_F(DeepSortTrack, OutputTentative) {
  start("appearance=none output-tentative=true");
  const auto first = push({car(0)});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].tracking->state, "tentative");
}

// Bad settings fail at start with a message naming the fix.
TEST(DeepSortTrackErrors, ReidWithoutModelAndInvertedThresholds) {
  for (const auto &[launch, expected] :
       {std::pair<std::string, std::string>{"deepsorttrack appearance=reid", "reid-model-file"},
        {"deepsorttrack appearance=none low-threshold=0.6 high-threshold=0.5", "low-threshold"},
        {"deepsorttrack appearance=reid reid-model-file=/nonexistent.onnx", "/nonexistent.onnx"}}) {
    GstElement *element = gst_parse_launch(launch.c_str(), nullptr);
    const rw::test::StartResult result = rw::test::start_element(element);
    EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE) << launch;
    EXPECT_NE(result.error.find(expected), std::string::npos) << launch << ": " << result.error;
    gst_object_unref(element);
  }
}

// Tunables flipped from another thread while 300 frames of two cars flow: every frame comes
// out, ids stay unique per frame.
TEST_F(DeepSortTrack, StressPropertiesWhileStreaming) {
  GValue age = G_VALUE_INIT, budget = G_VALUE_INIT;
  g_value_init(&age, G_TYPE_INT);
  g_value_set_int(&age, 3);
  g_value_init(&budget, G_TYPE_INT);
  g_value_set_int(&budget, 2);
  GstHarnessThread *t1 = gst_harness_stress_property_start_full(h_, "max-age", &age, 0);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full(h_, "nn-budget", &budget, 0);
  // At least 300 frames, and on until both stress threads have set their value at least once
  // (they may not be scheduled before a fast stream ends); bounded so it cannot hang.
  int max_age = 0, nn_budget = 0;
  for (int f = 0; f < 300 || max_age != 3 || nn_budget != 2; ++f) {
    ASSERT_LT(f, 100000) << "the property threads never ran";
    const auto objects = push({car(f % 100), car(f % 100, 100, 300)});
    std::set<guint64> ids;
    for (const auto &o : objects) EXPECT_TRUE(ids.insert(o.tracking->id).second);
    g_object_get(h_->element, "max-age", &max_age, "nn-budget", &nn_budget, nullptr);
  }
  EXPECT_GT(gst_harness_stress_thread_stop(t1), 0u);
  EXPECT_GT(gst_harness_stress_thread_stop(t2), 0u);
  g_value_unset(&age);
  g_value_unset(&budget);
}

}  // namespace

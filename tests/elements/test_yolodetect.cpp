// yolodetect on synthetic ONNX models with known outputs (tests/integration/make_models.py):
// clean failures at start, interval handling, and properties changed while frames flow.
#include <gtest/gtest.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include <string>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

GstElement *make_detector(const std::string &model) {
  GstElement *e = gst_element_factory_make("yolodetect", nullptr);
  g_object_set(e, "model-file", model.c_str(), nullptr);
  return e;
}

std::string start_error(GstElement *element) {
  const rw::test::StartResult result = rw::test::start_element(element);
  EXPECT_EQ(result.state_change, GST_STATE_CHANGE_FAILURE);
  gst_object_unref(element);
  return result.error;
}

// Without model-file the element refuses to start and says what to set.
TEST(YoloDetect, FailsWithoutModel) {
  EXPECT_NE(start_error(gst_element_factory_make("yolodetect", nullptr)).find("model-file"),
            std::string::npos);
}

// A missing file is named in the error.
TEST(YoloDetect, FailsOnMissingModel) {
  const std::string error = start_error(make_detector("/nonexistent/model.onnx"));
  EXPECT_NE(error.find("/nonexistent/model.onnx"), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

// A file that is not ONNX is called that, not a protobuf trace.
TEST(YoloDetect, FailsOnNonOnnxFile) {
  gchar *path = nullptr;
  const gint fd = g_file_open_tmp("rw-XXXXXX.onnx", &path, nullptr);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_TRUE(g_file_set_contents(path, "This is not an onnx model\n", -1, nullptr));
  const std::string error = start_error(make_detector(path));
  EXPECT_NE(error.find("not an ONNX model"), std::string::npos) << error;
  g_unlink(path);
  g_free(path);
}

// A model whose output fits no YOLO layout fails at start with the shape in the message.
TEST(YoloDetect, FailsOnUndecodableLayout) {
  const std::string error =
      start_error(make_detector(rw::test::synthetic_model("undecodable.onnx")));
  EXPECT_NE(error.find("[1,10,7]"), std::string::npos) << error;
  EXPECT_NE(error.find("model-type"), std::string::npos) << error;
}

// Forcing a layout the output does not fit is an error too, not garbage boxes.
TEST(YoloDetect, FailsOnWrongForcedModelType) {
  GstElement *e = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  gst_util_set_object_arg(G_OBJECT(e), "model-type", "yolox");
  EXPECT_FALSE(start_error(e).empty());
}

// A malformed input-size is refused at start, saying what is accepted.
TEST(YoloDetect, FailsOnBadInputSize) {
  GstElement *e = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  g_object_set(e, "input-size", "400x300", nullptr);
  const std::string error = start_error(e);
  EXPECT_NE(error.find("input-size '400x300'"), std::string::npos) << error;
  EXPECT_NE(error.find("multiples of 32"), std::string::npos) << error;
}

// An unknown class name is refused at start, naming it.
TEST(YoloDetect, FailsOnUnknownClass) {
  GstElement *e = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  g_object_set(e, "classes", "spaceship", nullptr);
  EXPECT_NE(start_error(e).find("spaceship"), std::string::npos);
}

GstStaticPadTemplate any_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate any_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// A label list that does not match the model's classes is worth a warning, not silence.
TEST(YoloDetect, WarnsWhenLabelsDoNotMatchModel) {
  GstElement *detector = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  g_object_set(detector, "classes", "all", nullptr);  // default label list: 80 COCO names
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(detector, bus);
  EXPECT_EQ(gst_element_set_state(detector, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("3 classes but the label list has 80"), std::string::npos)
      << warnings[0];
  gst_element_set_state(detector, GST_STATE_NULL);
  gst_element_set_bus(detector, nullptr);
  gst_object_unref(bus);
  gst_object_unref(detector);
}

// A device this machine lacks falls back to the CPU with a warning saying what runs.
TEST(YoloDetect, MissingDeviceFallsBackToCpuWithWarning) {
  GstElement *detector = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  g_object_set(detector, "label-file", rw::test::synthetic_model("labels.txt").c_str(), "classes",
               "all", nullptr);
  gst_util_set_object_arg(G_OBJECT(detector), "device", "cuda");
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(detector, bus);
  ASSERT_EQ(gst_element_set_state(detector, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  if (warnings.empty()) {
    GTEST_SKIP() << "this machine runs CUDA inference, so there is no fallback to see";
  }
  EXPECT_NE(warnings[0].find("inference on cpu"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("asked for cuda"), std::string::npos) << warnings[0];
  gst_element_set_state(detector, GST_STATE_NULL);
  gst_element_set_bus(detector, nullptr);
  gst_object_unref(bus);
  gst_object_unref(detector);
}

// The synthetic models' output has a fixed shape, as exports with baked-in grids do: asked
// for another input size, the element warns, stays at the model's 64x64, and detects exactly
// what it detects there (the first box of KnownOutputGivesKnownDetections).
TEST(YoloDetect, FixedShapeModelKeepsItsInputSize) {
  GstElement *detector = make_detector(rw::test::synthetic_model("yolov8.onnx"));
  g_object_set(detector, "label-file", rw::test::synthetic_model("labels.txt").c_str(), "classes",
               "", "input-size", "64x32", nullptr);
  GstHarness *h = gst_harness_new_empty();
  gst_harness_add_element_full(h, detector, &any_src, "sink", &any_sink, "src");
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps(h, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 64, 64));
  GstBuffer *out =
      gst_harness_push_and_pull(h, rw::test::video_frame(GST_VIDEO_FORMAT_BGR, 64, 64, 0));
  ASSERT_NE(out, nullptr);
  const auto objects = rw::meta::read_objects(out, 64, 64);
  gst_buffer_unref(out);
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].detection->label, "sedan");
  EXPECT_NEAR(objects[0].box.x, 52, 1e-3);
  EXPECT_NEAR(objects[0].box.y, 40, 1e-3);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("network input 64x64, the model's own size: asked for 64x32"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("does not follow the input size"), std::string::npos) << warnings[0];
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

class YoloDetectRunning : public testing::Test {
 protected:
  void SetUp() override {
    // Configured before the harness starts it (gst_harness_new would start it without a model).
    GstElement *detector = make_detector(rw::test::synthetic_model("yolov8.onnx"));
    g_object_set(detector, "label-file", rw::test::synthetic_model("labels.txt").c_str(), "classes",
                 "", nullptr);
    h_ = gst_harness_new_empty();
    gst_harness_add_element_full(h_, detector, &any_src, "sink", &any_sink, "src");
    // 64x64 frames: the model input size, so boxes come back unscaled.
    gst_harness_set_src_caps(h_, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 64, 64));
  }
  void TearDown() override { gst_harness_teardown(h_); }

  std::vector<rw::meta::Object> push(GstClockTime pts, std::optional<bool> *inferred = nullptr) {
    GstBuffer *out =
        gst_harness_push_and_pull(h_, rw::test::video_frame(GST_VIDEO_FORMAT_BGR, 64, 64, pts));
    EXPECT_NE(out, nullptr);
    if (inferred != nullptr) *inferred = rw::meta::inferred(out);
    auto objects = rw::meta::read_objects(out, 64, 64);
    gst_buffer_unref(out);
    return objects;
  }
  GstHarness *h_ = nullptr;
};

// The known model output gives four boxes after the threshold and class-aware NMS, best first.
TEST_F(YoloDetectRunning, KnownOutputGivesKnownDetections) {
  std::optional<bool> inferred;
  const auto objects = push(0, &inferred);
  EXPECT_EQ(inferred, std::optional<bool>(true));
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].detection->label, "sedan");
  EXPECT_NEAR(objects[0].detection->confidence, 0.9025, 1e-4);
  // cx 60, cy 50, w 16, h 20 -> x 52..64 (clamped), y 40..60
  EXPECT_NEAR(objects[0].box.x, 52, 1e-3);
  EXPECT_NEAR(objects[0].box.w, 12, 1e-3);
  EXPECT_NEAR(objects[0].box.y, 40, 1e-3);
  EXPECT_NEAR(objects[0].box.h, 20, 1e-3);
}

// interval=2 infers on frames 0, 3, 6; the others carry the flag and no objects.
TEST_F(YoloDetectRunning, IntervalSkipsFrames) {
  g_object_set(h_->element, "interval", 2u, nullptr);
  for (int i = 0; i < 7; ++i) {
    std::optional<bool> inferred;
    const auto objects = push(GST_SECOND * i / 30, &inferred);
    const bool expect_inference = i % 3 == 0;
    EXPECT_EQ(inferred, std::optional<bool>(expect_inference)) << "frame " << i;
    EXPECT_EQ(objects.size(), expect_inference ? 4u : 0u) << "frame " << i;
  }
}

// Threshold and classes changed while playing apply to the next frame.
TEST_F(YoloDetectRunning, PropertiesApplyWhilePlaying) {
  EXPECT_EQ(push(0).size(), 4u);
  g_object_set(h_->element, "score-threshold", 0.8f, nullptr);
  const auto strict = push(1);
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_EQ(strict[0].detection->label, "sedan");
  g_object_set(h_->element, "score-threshold", 0.3f, "classes", "lorry", nullptr);
  const auto lorries = push(2);
  ASSERT_EQ(lorries.size(), 2u);
  for (const auto &o : lorries) EXPECT_EQ(o.detection->label, "lorry");
}

// A bad class list while playing warns and keeps the previous selection.
TEST_F(YoloDetectRunning, BadClassesWhilePlayingKeepPrevious) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h_->element, bus);
  g_object_set(h_->element, "classes", "van", nullptr);
  EXPECT_EQ(push(0).size(), 1u);
  g_object_set(h_->element, "classes", "spaceship", nullptr);
  EXPECT_EQ(push(1).size(), 1u);
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("spaceship"), std::string::npos);
  gst_element_set_bus(h_->element, nullptr);
  gst_object_unref(bus);
}

// Properties flipped from another thread while 200 frames flow: no crash, every frame out.
TEST_F(YoloDetectRunning, StressPropertiesWhileStreaming) {
  GValue threshold = G_VALUE_INIT;
  g_value_init(&threshold, G_TYPE_FLOAT);
  g_value_set_float(&threshold, 0.6f);
  GValue classes = G_VALUE_INIT;
  g_value_init(&classes, G_TYPE_STRING);
  g_value_set_string(&classes, "sedan,van");
  GstHarnessThread *t1 =
      gst_harness_stress_property_start_full(h_, "score-threshold", &threshold, 0);
  GstHarnessThread *t2 = gst_harness_stress_property_start_full(h_, "classes", &classes, 0);
  // At least 200 frames, and on until both stress threads have set their value at least once.
  gfloat threshold_seen = 0;
  gchar *classes_seen = nullptr;
  for (int i = 0; i < 200 || threshold_seen != 0.6f || g_strcmp0(classes_seen, "sedan,van") != 0;
       ++i) {
    ASSERT_LT(i, 100000) << "the property threads never ran";
    const auto objects = push(GST_SECOND * i / 30);
    EXPECT_LE(objects.size(), 4u);
    g_free(classes_seen);
    g_object_get(h_->element, "score-threshold", &threshold_seen, "classes", &classes_seen,
                 nullptr);
  }
  g_free(classes_seen);
  EXPECT_GT(gst_harness_stress_thread_stop(t1), 0u);
  EXPECT_GT(gst_harness_stress_thread_stop(t2), 0u);
  g_value_unset(&threshold);
  g_value_unset(&classes);
}

}  // namespace

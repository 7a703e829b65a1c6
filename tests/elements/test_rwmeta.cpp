// Round trips through the one header that owns roadwatch metadata names.
#include <gtest/gtest.h>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

using rw::meta::BoxPx;
using rw::meta::Detection;

class RwMeta : public testing::Test {
 protected:
  void SetUp() override { buffer_ = gst_buffer_new(); }
  void TearDown() override { gst_buffer_unref(buffer_); }
  GstBuffer *buffer_ = nullptr;
};

// A detection comes back with its class, label, confidence and sub-pixel box.
TEST_F(RwMeta, DetectionRoundTrip) {
  rw::test::add_detection(buffer_, BoxPx{10.25, 20.5, 30.75, 40.0}, 640, 360, {2, "car", 0.875});
  const auto objects = rw::meta::read_objects(buffer_, 640, 360);
  ASSERT_EQ(objects.size(), 1u);
  ASSERT_TRUE(objects[0].detection);
  EXPECT_EQ(objects[0].detection->class_id, 2);
  EXPECT_EQ(objects[0].detection->label, "car");
  EXPECT_DOUBLE_EQ(objects[0].detection->confidence, 0.875);
  EXPECT_NEAR(objects[0].box.x, 10.25, 1e-9);
  EXPECT_NEAR(objects[0].box.y, 20.5, 1e-9);
  EXPECT_NEAR(objects[0].box.w, 30.75, 1e-9);
  EXPECT_NEAR(objects[0].box.h, 40.0, 1e-9);
}

// The ROI meta itself holds the rounded, clamped box and the label as roi_type.
TEST_F(RwMeta, RoiMetaHoldsWholePixelsClampedToFrame) {
  rw::test::add_detection(buffer_, BoxPx{-5.0, 300.4, 50.6, 100.0}, 640, 360, {7, "truck", 0.5});
  auto *roi = gst_buffer_get_video_region_of_interest_meta(buffer_);
  ASSERT_NE(roi, nullptr);
  EXPECT_STREQ(g_quark_to_string(roi->roi_type), "truck");
  EXPECT_EQ(roi->x, 0u);
  EXPECT_EQ(roi->y, 300u);
  EXPECT_EQ(roi->w, 46u);  // x2 = 45.6 -> 46
  EXPECT_EQ(roi->h, 60u);  // y2 clamped to 360
  const auto objects = rw::meta::read_objects(buffer_, 640, 360);
  EXPECT_NEAR(objects[0].box.x, 0.0, 1e-9);
  EXPECT_NEAR(objects[0].box.h, 59.6, 1e-9);
}

// Several objects keep their attachment order.
TEST_F(RwMeta, ObjectsInAttachmentOrder) {
  rw::test::add_detection(buffer_, BoxPx{0, 0, 10, 10}, 100, 100, {2, "car", 0.9});
  rw::test::add_detection(buffer_, BoxPx{50, 50, 10, 10}, 100, 100, {5, "bus", 0.8});
  const auto objects = rw::meta::read_objects(buffer_, 100, 100);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].detection->label, "car");
  EXPECT_EQ(objects[1].detection->label, "bus");
}

// An ROI written by someone else (no detection param) reads as whole pixels, no detection.
TEST_F(RwMeta, ForeignRoiHasNoDetection) {
  gst_buffer_add_video_region_of_interest_meta(buffer_, "face", 4, 5, 6, 7);
  const auto objects = rw::meta::read_objects(buffer_, 100, 100);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_FALSE(objects[0].detection);
  EXPECT_DOUBLE_EQ(objects[0].box.x, 4);
  EXPECT_DOUBLE_EQ(objects[0].box.h, 7);
}

// A buffer copy (tee, make_writable) keeps ROI params and the frame meta.
TEST_F(RwMeta, CopyKeepsParamsAndFrameMeta) {
  rw::test::add_detection(buffer_, BoxPx{1, 2, 3, 4}, 100, 100, {3, "motorcycle", 0.6});
  rw::meta::set_inferred(buffer_, true);
  GstBuffer *copy = gst_buffer_copy(buffer_);
  const auto objects = rw::meta::read_objects(copy, 100, 100);
  ASSERT_EQ(objects.size(), 1u);
  ASSERT_TRUE(objects[0].detection);
  EXPECT_EQ(objects[0].detection->label, "motorcycle");
  EXPECT_EQ(rw::meta::inferred(copy), std::optional<bool>(true));
  gst_buffer_unref(copy);
}

// A tracking param round-trips beside the detection; remove_objects clears every ROI.
TEST_F(RwMeta, TrackingRoundTripAndRemove) {
  rw::meta::add_object(buffer_,
                       {BoxPx{1, 2, 3, 4}, Detection{2, "car", 0.7},
                        rw::meta::Tracking{G_GUINT64_CONSTANT(1) << 40, "confirmed", 12, 9}},
                       100, 100);
  auto objects = rw::meta::read_objects(buffer_, 100, 100);
  ASSERT_EQ(objects.size(), 1u);
  ASSERT_TRUE(objects[0].tracking);
  EXPECT_EQ(objects[0].tracking->id, G_GUINT64_CONSTANT(1) << 40);
  EXPECT_EQ(objects[0].tracking->state, "confirmed");
  EXPECT_EQ(objects[0].tracking->age, 12u);
  EXPECT_EQ(objects[0].tracking->hits, 9u);
  EXPECT_EQ(objects[0].detection->label, "car");
  rw::test::add_detection(buffer_, BoxPx{5, 5, 5, 5}, 100, 100, {5, "bus", 0.5});
  EXPECT_FALSE(rw::meta::read_objects(buffer_, 100, 100)[1].tracking);
  rw::meta::remove_objects(buffer_);
  EXPECT_TRUE(rw::meta::read_objects(buffer_, 100, 100).empty());
}

// The inference flag is absent until set, and can be overwritten.
TEST_F(RwMeta, InferredFlag) {
  EXPECT_EQ(rw::meta::inferred(buffer_), std::nullopt);
  rw::meta::set_inferred(buffer_, false);
  EXPECT_EQ(rw::meta::inferred(buffer_), std::optional<bool>(false));
  rw::meta::set_inferred(buffer_, true);
  EXPECT_EQ(rw::meta::inferred(buffer_), std::optional<bool>(true));
}

}  // namespace

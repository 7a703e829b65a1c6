// Round trips through the one header that owns roadwatch metadata names.
#include <gtest/gtest.h>

#include <optional>

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
  rw::meta::Object object;
  object.box = BoxPx{1, 2, 3, 4};
  object.detection = Detection{2, "car", 0.7};
  object.tracking = rw::meta::Tracking{G_GUINT64_CONSTANT(1) << 40, "confirmed", 12, 9};
  rw::meta::add_object(buffer_, object, 100, 100);
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

// Kinematics and zones are set on an existing object, replace an earlier value of the same
// param, keep the other params and survive a buffer copy.
TEST_F(RwMeta, KinematicsAndZonesSetInPlace) {
  rw::test::add_detection(buffer_, BoxPx{1, 2, 3, 4}, 100, 100, {2, "car", 0.7});
  rw::test::add_detection(buffer_, BoxPx{5, 5, 5, 5}, 100, 100, {5, "bus", 0.5});
  rw::meta::Kinematics first{1, 2, 3, 4, 5, false, rw::meta::SpeedUnit::kKmh};
  ASSERT_TRUE(rw::meta::set_kinematics(buffer_, 1, first));
  rw::meta::Kinematics second{-3.5, 42.25, 50.0, 1.5, 270, true, rw::meta::SpeedUnit::kMph};
  ASSERT_TRUE(rw::meta::set_kinematics(buffer_, 1, second));
  ASSERT_TRUE(rw::meta::set_zones(buffer_, 1, {"roi", "lane 2"}));
  EXPECT_FALSE(rw::meta::set_zones(buffer_, 2, {"roi"}));

  GstBuffer *copy = gst_buffer_copy(buffer_);
  const auto objects = rw::meta::read_objects(copy, 100, 100);
  gst_buffer_unref(copy);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_FALSE(objects[0].kinematics);
  EXPECT_FALSE(objects[0].zones);
  ASSERT_TRUE(objects[1].kinematics);
  const rw::meta::Kinematics &k = *objects[1].kinematics;
  EXPECT_DOUBLE_EQ(k.world_x_m, -3.5);
  EXPECT_DOUBLE_EQ(k.world_y_m, 42.25);
  EXPECT_DOUBLE_EQ(k.speed, 50.0);
  EXPECT_DOUBLE_EQ(k.uncertainty, 1.5);
  EXPECT_DOUBLE_EQ(k.heading_deg, 270);
  EXPECT_TRUE(k.valid);
  EXPECT_EQ(k.units, rw::meta::SpeedUnit::kMph);
  EXPECT_DOUBLE_EQ(k.speed_kmh(), 80.4672);  // 50 international miles per hour
  EXPECT_DOUBLE_EQ(k.uncertainty_kmh(), 1.5 * 1.609344);
  EXPECT_EQ(*objects[1].zones, (std::vector<std::string>{"roi", "lane 2"}));
  EXPECT_EQ(objects[1].detection->label, "bus");
  auto *roi = gst_buffer_get_video_region_of_interest_meta(buffer_);
  ASSERT_NE(roi, nullptr);
  EXPECT_EQ(g_list_length(roi->params), 1u);  // the first object got nothing new
}

// The frame-level zone results round-trip, and events keep every field.
TEST_F(RwMeta, ZoneFrameRoundTrip) {
  EXPECT_EQ(rw::meta::zone_frame(buffer_), std::nullopt);
  rw::meta::ZoneFrame frame;
  frame.stats.total_vehicles = 12;
  frame.stats.current_in_roi = 3;
  frame.stats.speeding_count = 1;
  frame.stats.by_class = {{"car", 10}, {"heavy truck", 2}};
  frame.stats.line_counts = {{"count", 7, 4}, {"exit", 0, 1}};
  rw::zones::Event cross;
  cross.type = rw::zones::EventType::kLineCross;
  cross.track_id = 99;
  cross.label = "car";
  cross.zone = "count";
  cross.direction = -1;
  cross.frame_number = 41;
  cross.pts_ns = 1'366'666'666;
  rw::zones::Event speeding;
  speeding.type = rw::zones::EventType::kSpeeding;
  speeding.track_id = 7;
  speeding.zone = "roi";
  speeding.speed_kmh = 88.5;
  speeding.limit_kmh = 60;
  speeding.dwell_ns = 2'000'000'000;
  frame.events = {cross, speeding};
  frame.summary = rw::zones::Summary{12, 4.5, {{"car", 10}, {"heavy truck", 2}}, 1};
  rw::meta::set_zone_frame(buffer_, frame);
  frame.events.pop_back();  // a second write replaces the first
  rw::meta::set_zone_frame(buffer_, frame);
  frame.events.push_back(speeding);
  rw::meta::set_zone_frame(buffer_, frame);

  GstBuffer *copy = gst_buffer_copy(buffer_);
  const auto read = rw::meta::zone_frame(copy);
  gst_buffer_unref(copy);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->stats.total_vehicles, 12u);
  EXPECT_EQ(read->stats.current_in_roi, 3u);
  EXPECT_EQ(read->stats.speeding_count, 1u);
  EXPECT_EQ(read->stats.by_class, frame.stats.by_class);
  ASSERT_EQ(read->stats.line_counts.size(), 2u);
  EXPECT_EQ(read->stats.line_counts[0].name, "count");
  EXPECT_EQ(read->stats.line_counts[0].forward, 7u);
  EXPECT_EQ(read->stats.line_counts[0].backward, 4u);
  EXPECT_EQ(read->stats.line_counts[1].backward, 1u);
  ASSERT_EQ(read->events.size(), 2u);
  EXPECT_EQ(read->events[0].type, rw::zones::EventType::kLineCross);
  EXPECT_EQ(read->events[0].track_id, 99u);
  EXPECT_EQ(read->events[0].direction, -1);
  EXPECT_EQ(read->events[0].frame_number, 41u);
  EXPECT_EQ(read->events[0].pts_ns, 1'366'666'666);
  EXPECT_EQ(read->events[1].type, rw::zones::EventType::kSpeeding);
  EXPECT_DOUBLE_EQ(read->events[1].speed_kmh.value(), 88.5);
  EXPECT_EQ(read->events[0].speed_kmh, std::nullopt) << "absent stays absent, not 0";
  EXPECT_DOUBLE_EQ(read->events[1].limit_kmh, 60);
  EXPECT_EQ(read->events[1].dwell_ns, 2'000'000'000);
  ASSERT_TRUE(read->summary);
  EXPECT_EQ(read->summary->total_vehicles, 12u);
  EXPECT_DOUBLE_EQ(read->summary->average_dwell_s, 4.5);
  EXPECT_EQ(read->summary->by_class, frame.stats.by_class);
  EXPECT_EQ(read->summary->violations, 1u);
}

// A structure of another name or an unknown event type is not an event.
TEST_F(RwMeta, ParseEventRejectsForeignStructures) {
  GstStructure *other =
      gst_structure_new("something-else", "type", G_TYPE_STRING, "enter", nullptr);
  EXPECT_EQ(rw::meta::parse_event(other), std::nullopt);
  gst_structure_free(other);
  GstStructure *unknown =
      gst_structure_new(rw::meta::kEventStructure, "type", G_TYPE_STRING, "teleport", nullptr);
  EXPECT_EQ(rw::meta::parse_event(unknown), std::nullopt);
  gst_structure_free(unknown);
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

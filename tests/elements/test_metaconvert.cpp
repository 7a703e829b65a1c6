// metaconvert: roadwatch metadata in, exact roadwatch/1 JSON lines out.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "harness.h"
#include "meta/rwmeta.h"

namespace {

std::string pull_line(GstHarness *h) {
  GstBuffer *out = gst_harness_pull(h);
  EXPECT_NE(out, nullptr);
  if (out == nullptr) return {};
  GstMapInfo map;
  gst_buffer_map(out, &map, GST_MAP_READ);
  std::string line(reinterpret_cast<const char *>(map.data), map.size);
  gst_buffer_unmap(out, &map);
  gst_buffer_unref(out);
  return line;
}

// ts_unix_ms is the wall clock; replace it to compare the rest exactly.
std::string without_wall_clock(const std::string &line) {
  return std::regex_replace(line, std::regex("\"ts_unix_ms\":[0-9]+"), "\"ts_unix_ms\":T");
}

class MetaConvert : public testing::Test {
 protected:
  void SetUp() override {
    h_ = gst_harness_new("metaconvert");
    gst_harness_set_src_caps(h_, rw::test::video_caps(GST_VIDEO_FORMAT_BGR, 640, 360));
  }
  void TearDown() override { gst_harness_teardown(h_); }
  GstHarness *h_ = nullptr;
};

// One frame with two detections becomes one exact JSON line with normalised boxes.
TEST_F(MetaConvert, WritesOneRecordPerFrame) {
  g_object_set(h_->element, "source-id", "cam-1", nullptr);
  GstBuffer *frame = gst_buffer_new();
  GST_BUFFER_PTS(frame) = 1400000000;
  rw::test::add_detection(frame, {64, 36, 128, 72}, 640, 360, {2, "car", 0.91});
  rw::test::add_detection(frame, {320, 180, 640, 360}, 640, 360, {7, "truck", 0.5});
  gst_harness_push(h_, frame);
  EXPECT_EQ(without_wall_clock(pull_line(h_)),
            "{\"schema\":\"roadwatch/1\",\"source_id\":\"cam-1\",\"frame_number\":0,"
            "\"pts_ns\":1400000000,\"ts_unix_ms\":T,\"frame_size\":{\"w\":640,\"h\":360},"
            "\"objects\":[{\"class_id\":2,\"label\":\"car\",\"confidence\":0.91,"
            "\"bbox\":{\"x\":0.1,\"y\":0.1,\"w\":0.2,\"h\":0.2}},"
            "{\"class_id\":7,\"label\":\"truck\",\"confidence\":0.5,"
            "\"bbox\":{\"x\":0.5,\"y\":0.5,\"w\":0.5,\"h\":0.5}}]}\n");
}

// A car as the full pipeline describes it: tracked, measured in mph, inside "roi".
rw::meta::Object tracked_car() {
  rw::meta::Object car;
  car.box = {64, 36, 128, 72};
  car.detection = rw::meta::Detection{2, "car", 0.91};
  car.tracking = rw::meta::Tracking{5, "confirmed", 12, 11};
  rw::meta::Kinematics k;
  k.world_x_m = 3.1;
  k.world_y_m = 40.2;
  k.speed = 50;  // 80.4672 km/h
  k.uncertainty = 1;
  k.heading_deg = 90;
  k.valid = true;
  k.units = rw::meta::SpeedUnit::kMph;
  car.kinematics = k;
  car.zones = std::vector<std::string>{"roi"};
  return car;
}

rw::zones::Event zone_event(rw::zones::EventType type, std::uint64_t track_id, const char *zone) {
  rw::zones::Event event;
  event.type = type;
  event.track_id = track_id;
  event.label = track_id != 0 ? "car" : "";
  event.zone = zone;
  event.frame_number = 0;
  event.pts_ns = 1400000000;
  return event;
}

// Kinematics, zones and roianalytics' frame meta become the rest of the SPEC §5 record: speeds
// converted from mph to km/h, a truck without a valid speed keeps only its position, stats
// and this frame's events.
TEST_F(MetaConvert, WritesSpeedWorldZonesStatsAndEvents) {
  GstBuffer *frame = gst_buffer_new();
  GST_BUFFER_PTS(frame) = 1400000000;
  rw::meta::add_object(frame, tracked_car(), 640, 360);
  rw::meta::Object truck;
  truck.box = {320, 180, 320, 180};
  truck.detection = rw::meta::Detection{7, "truck", 0.5};
  truck.tracking = rw::meta::Tracking{9, "confirmed", 3, 3};
  truck.kinematics = rw::meta::Kinematics{-1.25, 12.5, 0, 0, 0, false, rw::meta::SpeedUnit::kKmh};
  truck.zones = std::vector<std::string>{};
  rw::meta::add_object(frame, truck, 640, 360);
  rw::meta::ZoneFrame zones;
  zones.stats.total_vehicles = 2;
  zones.stats.current_in_roi = 1;
  zones.stats.speeding_count = 1;
  zones.stats.by_class = {{"car", 1}, {"truck", 1}};
  zones.stats.line_counts = {{"stop line", 1, 0}};
  rw::zones::Event cross = zone_event(rw::zones::EventType::kLineCross, 5, "stop line");
  cross.direction = 1;
  zones.events = {zone_event(rw::zones::EventType::kEnter, 5, "roi"), cross};
  rw::meta::set_zone_frame(frame, zones);
  gst_harness_push(h_, frame);
  EXPECT_EQ(without_wall_clock(pull_line(h_)),
            "{\"schema\":\"roadwatch/1\",\"source_id\":\"0\",\"frame_number\":0,"
            "\"pts_ns\":1400000000,\"ts_unix_ms\":T,\"frame_size\":{\"w\":640,\"h\":360},"
            "\"objects\":[{\"track_id\":5,\"class_id\":2,\"label\":\"car\",\"confidence\":0.91,"
            "\"bbox\":{\"x\":0.1,\"y\":0.1,\"w\":0.2,\"h\":0.2},\"speed_kmh\":80.47,"
            "\"speed_err_kmh\":1.61,\"world\":{\"x\":3.1,\"y\":40.2},\"zones\":[\"roi\"]},"
            "{\"track_id\":9,\"class_id\":7,\"label\":\"truck\",\"confidence\":0.5,"
            "\"bbox\":{\"x\":0.5,\"y\":0.5,\"w\":0.5,\"h\":0.5},"
            "\"world\":{\"x\":-1.25,\"y\":12.5},\"zones\":[]}],"
            "\"stats\":{\"total_vehicles\":2,\"current_in_roi\":1,\"speeding_count\":1,"
            "\"by_class\":{\"car\":1,\"truck\":1},"
            "\"line_counts\":{\"stop line\":{\"forward\":1,\"backward\":0}}},"
            "\"events\":[{\"type\":\"enter\",\"track_id\":5,\"label\":\"car\",\"zone\":\"roi\","
            "\"frame_number\":0,\"pts_ns\":1400000000},"
            "{\"type\":\"line_cross\",\"track_id\":5,\"label\":\"car\",\"line\":\"stop line\","
            "\"direction\":\"forward\",\"frame_number\":0,\"pts_ns\":1400000000}]}\n");
}

// The last frame of a stream: the exit and speeding events that finish() flushes, then
// end_of_stream with the summary.
TEST_F(MetaConvert, LastFrameCarriesTheSummary) {
  GstBuffer *frame = gst_buffer_new();
  GST_BUFFER_PTS(frame) = 1400000000;
  rw::meta::ZoneFrame zones;
  zones.stats.total_vehicles = 1;
  zones.stats.by_class = {{"car", 1}};
  rw::zones::Event exit = zone_event(rw::zones::EventType::kExit, 5, "roi");
  exit.dwell_ns = 1'500'000'000;
  rw::zones::Event speeding = zone_event(rw::zones::EventType::kSpeeding, 5, "roi");
  speeding.speed_kmh = 80.4672;
  speeding.limit_kmh = 60;
  zones.events = {exit, speeding, zone_event(rw::zones::EventType::kEndOfStream, 0, "")};
  zones.summary = rw::zones::Summary{1, 1.5, {{"car", 1}}, 1};
  rw::meta::set_zone_frame(frame, zones);
  gst_harness_push(h_, frame);
  EXPECT_EQ(without_wall_clock(pull_line(h_)),
            "{\"schema\":\"roadwatch/1\",\"source_id\":\"0\",\"frame_number\":0,"
            "\"pts_ns\":1400000000,\"ts_unix_ms\":T,\"frame_size\":{\"w\":640,\"h\":360},"
            "\"objects\":[],\"stats\":{\"total_vehicles\":1,\"current_in_roi\":0,"
            "\"speeding_count\":0,\"by_class\":{\"car\":1},\"line_counts\":{}},"
            "\"events\":[{\"type\":\"exit\",\"track_id\":5,\"label\":\"car\",\"zone\":\"roi\","
            "\"dwell_s\":1.5,\"frame_number\":0,\"pts_ns\":1400000000},"
            "{\"type\":\"speeding\",\"track_id\":5,\"label\":\"car\",\"speed_kmh\":80.47,"
            "\"limit_kmh\":60,\"zone\":\"roi\",\"frame_number\":0,\"pts_ns\":1400000000},"
            "{\"type\":\"end_of_stream\",\"frame_number\":0,\"pts_ns\":1400000000,"
            "\"summary\":{\"total_vehicles\":1,\"average_dwell_s\":1.5,\"by_class\":{\"car\":1},"
            "\"violations\":1}}]}\n");
}

// Frame numbers count up; a buffer without PTS has no pts_ns key; the wall clock is sane.
TEST_F(MetaConvert, CountsFramesAndOmitsMissingPts) {
  const gint64 before_ms = g_get_real_time() / 1000;
  gst_harness_push(h_, gst_buffer_new());
  gst_harness_push(h_, gst_buffer_new());
  const std::string first = pull_line(h_), second = pull_line(h_);
  EXPECT_NE(first.find("\"frame_number\":0,"), std::string::npos);
  EXPECT_NE(second.find("\"frame_number\":1,"), std::string::npos);
  EXPECT_EQ(second.find("pts_ns"), std::string::npos);
  std::smatch ts;
  ASSERT_TRUE(std::regex_search(second, ts, std::regex("\"ts_unix_ms\":([0-9]+)")));
  EXPECT_GE(std::stoll(ts[1]), before_ms);
  EXPECT_NE(second.find("\"objects\":[]"), std::string::npos);
}

// ROIs stripped of their params (videoconvert after yolodetect in 1.22) raise one warning.
TEST_F(MetaConvert, WarnsOnceWhenParamsWereDropped) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h_->element, bus);
  for (int i = 0; i < 3; ++i) {
    GstBuffer *frame = gst_buffer_new();
    gst_buffer_add_video_region_of_interest_meta(frame, "car", 1, 2, 3, 4);
    gst_harness_push(h_, frame);
    EXPECT_NE(pull_line(h_).find("\"objects\":[]"), std::string::npos);
  }
  const auto warnings = rw::test::bus_messages(bus, GST_MESSAGE_WARNING);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Convert or scale before yolodetect"), std::string::npos);
  gst_element_set_bus(h_->element, nullptr);
  gst_object_unref(bus);
}

// The output caps say what the bytes are.
TEST_F(MetaConvert, OutputCapsAreNdjson) {
  gst_harness_push(h_, gst_buffer_new());
  gst_buffer_unref(gst_harness_pull(h_));
  GstCaps *caps = gst_pad_get_current_caps(h_->sinkpad);
  ASSERT_NE(caps, nullptr);
  EXPECT_STREQ(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "application/x-ndjson");
  gst_caps_unref(caps);
}

}  // namespace

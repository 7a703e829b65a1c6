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

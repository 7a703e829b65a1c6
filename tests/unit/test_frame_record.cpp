// roadwatch/1 records: exact JSON for known input, normalisation, escaping.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rw/schema/frame_record.hpp"

namespace {

using rw::schema::FrameRecord;
using rw::schema::normalise_box;

TEST(FrameRecord, ExactJsonForKnownRecord) {
  FrameRecord record;
  record.source_id = "1";
  record.frame_number = 42;
  record.pts_ns = 1400000000;
  record.ts_unix_ms = 1730000000123;
  record.frame_w = 1280;
  record.frame_h = 720;
  record.objects.push_back({5, 2, "car", 0.91, {0.42, 0.31, 0.08, 0.06}});
  EXPECT_EQ(
      rw::schema::to_json(record),
      "{\"schema\":\"roadwatch/1\",\"source_id\":\"1\",\"frame_number\":42,"
      "\"pts_ns\":1400000000,\"ts_unix_ms\":1730000000123,"
      "\"frame_size\":{\"w\":1280,\"h\":720},\"objects\":[{\"track_id\":5,\"class_id\":2,\"label\":"
      "\"car\",\"confidence\":0.91,\"bbox\":{\"x\":0.42,\"y\":0.31,\"w\":0.08,\"h\":0.06}}]}");
}

TEST(FrameRecord, NoPtsNoObjects) {
  FrameRecord record;
  record.frame_w = 2;
  record.frame_h = 2;
  EXPECT_EQ(rw::schema::to_json(record),
            "{\"schema\":\"roadwatch/1\",\"source_id\":\"\",\"frame_number\":0,"
            "\"ts_unix_ms\":0,\"frame_size\":{\"w\":2,\"h\":2},\"objects\":[]}");
}

TEST(FrameRecord, RoundsToSixDecimals) {
  FrameRecord record;
  record.objects.push_back({std::nullopt, 0, "x", 0.123456789, {1.0 / 3.0, 2.0 / 3.0, 0.0000004, 0.9999996}});
  const std::string json = rw::schema::to_json(record);
  EXPECT_NE(json.find("\"confidence\":0.123457"), std::string::npos) << json;
  EXPECT_NE(json.find("\"x\":0.333333,\"y\":0.666667,\"w\":0,\"h\":1"), std::string::npos) << json;
}

TEST(FrameRecord, EscapesStrings) {
  FrameRecord record;
  record.source_id = "cam \"north\"\\\n\x01";
  EXPECT_NE(rw::schema::to_json(record).find("\"source_id\":\"cam \\\"north\\\"\\\\\\n\\u0001\""),
            std::string::npos);
}

TEST(FrameRecord, NonFiniteConfidenceIsNull) {
  FrameRecord record;
  record.objects.push_back({std::nullopt, 0, "x", std::numeric_limits<double>::quiet_NaN(), {}});
  EXPECT_NE(rw::schema::to_json(record).find("\"confidence\":null"), std::string::npos);
}

TEST(NormaliseBox, ScalesAndClamps) {
  const auto box = normalise_box(64, 36, 128, 72, 640, 360);
  EXPECT_DOUBLE_EQ(box.x, 0.1);
  EXPECT_DOUBLE_EQ(box.y, 0.1);
  EXPECT_DOUBLE_EQ(box.w, 0.2);
  EXPECT_DOUBLE_EQ(box.h, 0.2);
  const auto clipped = normalise_box(-64, 300, 128, 120, 640, 360);
  EXPECT_DOUBLE_EQ(clipped.x, 0.0);
  EXPECT_DOUBLE_EQ(clipped.w, 0.1);
  EXPECT_NEAR(clipped.y + clipped.h, 1.0, 1e-12);
  const auto degenerate = normalise_box(1, 1, 1, 1, 0, 0);
  EXPECT_DOUBLE_EQ(degenerate.w, 0.0);
}

}  // namespace

// roadwatch/1 records: exact JSON for known input, normalisation, escaping.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "rw/schema/frame_record.hpp"

namespace {

using rw::schema::FrameRecord;
using rw::schema::normalise_box;
using rw::schema::ObjectRecord;
using rw::zones::Event;
using rw::zones::EventType;

// The record of frame 42 of SPEC §5 up to its objects; tests append what they check.
const char *const kHead =
    "{\"schema\":\"roadwatch/1\",\"source_id\":\"1\",\"frame_number\":42,"
    "\"pts_ns\":1400000000,\"ts_unix_ms\":1730000000123,\"frame_size\":{\"w\":1280,\"h\":720},";

FrameRecord spec_frame() {
  FrameRecord record;
  record.source_id = "1";
  record.frame_number = 42;
  record.pts_ns = 1400000000;
  record.ts_unix_ms = 1730000000123;
  record.frame_w = 1280;
  record.frame_h = 720;
  return record;
}

// An object with what a detector and tracker know; tests add the rest.
ObjectRecord object(std::optional<std::uint64_t> track_id, int class_id, const char *label,
                    double confidence, rw::schema::NormBox bbox) {
  ObjectRecord o;
  o.track_id = track_id;
  o.class_id = class_id;
  o.label = label;
  o.confidence = confidence;
  o.bbox = bbox;
  return o;
}

Event event(EventType type, std::uint64_t track_id, const char *zone) {
  Event e;
  e.type = type;
  e.track_id = track_id;
  e.label = track_id != 0 ? "car" : "";
  e.zone = zone;
  e.frame_number = 42;
  e.pts_ns = 1400000000;
  return e;
}

TEST(FrameRecord, ExactJsonForKnownRecord) {
  FrameRecord record = spec_frame();
  record.objects.push_back(object(5, 2, "car", 0.91, {0.42, 0.31, 0.08, 0.06}));
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
  record.objects.push_back(
      object(std::nullopt, 0, "x", 0.123456789, {1.0 / 3.0, 2.0 / 3.0, 0.0000004, 0.9999996}));
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
  record.objects.push_back(
      object(std::nullopt, 0, "x", std::numeric_limits<double>::quiet_NaN(), {}));
  EXPECT_NE(rw::schema::to_json(record).find("\"confidence\":null"), std::string::npos);
}

// Every object field of SPEC §5, in its order, rounded to 0.01 km/h and 1 mm.
TEST(FrameRecord, ObjectWithSpeedWorldAndZones) {
  FrameRecord record = spec_frame();
  ObjectRecord car = object(5, 2, "car", 0.91, {0.42, 0.31, 0.08, 0.06});
  car.speed_kmh = 75.4987;
  car.speed_err_kmh = 1.2049;
  car.world = rw::schema::WorldPosition{3.10049, -40.2};
  car.zones = std::vector<std::string>{"roi", "lane 1"};
  record.objects.push_back(car);
  EXPECT_EQ(rw::schema::to_json(record),
            std::string(kHead) +
                "\"objects\":[{\"track_id\":5,\"class_id\":2,\"label\":\"car\",\"confidence\":0.91,"
                "\"bbox\":{\"x\":0.42,\"y\":0.31,\"w\":0.08,\"h\":0.06},\"speed_kmh\":75.5,"
                "\"speed_err_kmh\":1.2,\"world\":{\"x\":3.1,\"y\":-40.2},"
                "\"zones\":[\"roi\",\"lane 1\"]}]}");
}

// An object outside every zone has "zones":[]; an error alone (no speed) is not written;
// a position that rounds to zero is 0, never -0.
TEST(FrameRecord, EmptyZonesAndNoSpeed) {
  FrameRecord record = spec_frame();
  ObjectRecord car = object(std::nullopt, 2, "car", 0.5, {});
  car.speed_err_kmh = 3;
  car.world = rw::schema::WorldPosition{-0.0004, 0};
  car.zones = std::vector<std::string>{};
  record.objects.push_back(car);
  EXPECT_EQ(rw::schema::to_json(record),
            std::string(kHead) +
                "\"objects\":[{\"class_id\":2,\"label\":\"car\",\"confidence\":0.5,"
                "\"bbox\":{\"x\":0,\"y\":0,\"w\":0,\"h\":0},\"world\":{\"x\":0,\"y\":0},"
                "\"zones\":[]}]}");
}

// stats with classes and lines in config order; every event type with exactly its keys.
TEST(FrameRecord, StatsAndEventsOfEveryType) {
  FrameRecord record = spec_frame();
  rw::zones::Stats stats;
  stats.total_vehicles = 123;
  stats.current_in_roi = 8;
  stats.speeding_count = 1;
  stats.by_class = {{"truck", 20}, {"car", 100}, {"bus", 3}};
  stats.line_counts = {{"stop line", 7, 2}, {"exit", 0, 1}};
  record.stats = stats;
  Event speeding = event(EventType::kSpeeding, 5, "roi");
  speeding.speed_kmh = 75.504;
  speeding.limit_kmh = 60;
  Event exit = event(EventType::kExit, 5, "roi");
  exit.dwell_ns = 2'345'678'901;
  Event cross = event(EventType::kLineCross, 6, "stop line");
  cross.direction = -1;
  record.events = {event(EventType::kEnter, 7, "roi"), exit, speeding, cross};
  EXPECT_EQ(rw::schema::to_json(record),
            std::string(kHead) +
                "\"objects\":[],\"stats\":{\"total_vehicles\":123,\"current_in_roi\":8,"
                "\"speeding_count\":1,\"by_class\":{\"bus\":3,\"car\":100,\"truck\":20},"
                "\"line_counts\":{\"stop line\":{\"forward\":7,\"backward\":2},"
                "\"exit\":{\"forward\":0,\"backward\":1}}},\"events\":["
                "{\"type\":\"enter\",\"track_id\":7,\"label\":\"car\",\"zone\":\"roi\","
                "\"frame_number\":42,\"pts_ns\":1400000000},"
                "{\"type\":\"exit\",\"track_id\":5,\"label\":\"car\",\"zone\":\"roi\","
                "\"dwell_s\":2.346,\"frame_number\":42,\"pts_ns\":1400000000},"
                "{\"type\":\"speeding\",\"track_id\":5,\"label\":\"car\",\"speed_kmh\":75.5,"
                "\"limit_kmh\":60,\"zone\":\"roi\",\"frame_number\":42,\"pts_ns\":1400000000},"
                "{\"type\":\"line_cross\",\"track_id\":6,\"label\":\"car\",\"line\":\"stop line\","
                "\"direction\":\"backward\",\"frame_number\":42,\"pts_ns\":1400000000}]}");
}

// An exit with the stay's mean speed writes it (0.01 km/h) before the zone; a speed on an event
// type without that key is never written.
TEST(FrameRecord, ExitWithMeanSpeed) {
  FrameRecord record = spec_frame();
  Event exit = event(EventType::kExit, 5, "roi");
  exit.dwell_ns = 1'500'000'000;
  exit.speed_kmh = 70.456;
  Event enter = event(EventType::kEnter, 6, "roi");
  enter.speed_kmh = 50;
  record.events = {exit, enter};
  const std::vector<std::string> events = rw::schema::events_to_json(record);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0],
            "{\"type\":\"exit\",\"track_id\":5,\"label\":\"car\",\"speed_kmh\":70.46,"
            "\"zone\":\"roi\",\"dwell_s\":1.5,\"frame_number\":42,\"pts_ns\":1400000000}");
  EXPECT_EQ(events[1],
            "{\"type\":\"enter\",\"track_id\":6,\"label\":\"car\",\"zone\":\"roi\","
            "\"frame_number\":42,\"pts_ns\":1400000000}");
}

// The last frame: end_of_stream has no track and carries the summary; stats without events
// still write "events":[] so consumers see one shape.
TEST(FrameRecord, EndOfStreamCarriesSummary) {
  FrameRecord record = spec_frame();
  record.stats = rw::zones::Stats{};
  record.events = {event(EventType::kEndOfStream, 0, "")};
  rw::zones::Summary summary;
  summary.total_vehicles = 3;
  summary.average_dwell_s = 4.56789;
  summary.by_class = {{"car", 2}, {"truck", 1}};
  summary.violations = 1;
  record.summary = summary;
  const std::string stats =
      "\"objects\":[],\"stats\":{\"total_vehicles\":0,\"current_in_roi\":0,"
      "\"speeding_count\":0,\"by_class\":{},\"line_counts\":{}},";
  EXPECT_EQ(rw::schema::to_json(record),
            std::string(kHead) + stats +
                "\"events\":[{\"type\":\"end_of_stream\",\"frame_number\":42,"
                "\"pts_ns\":1400000000,\"summary\":{\"total_vehicles\":3,"
                "\"average_dwell_s\":4.568,\"by_class\":{\"car\":2,\"truck\":1},"
                "\"violations\":1}}]}");
  record.events.clear();
  EXPECT_EQ(rw::schema::to_json(record), std::string(kHead) + stats + "\"events\":[]}");
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

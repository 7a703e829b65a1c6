// The analytics message built from a roadwatch/1 record: passthrough fields, and the speeding
// vehicles that stats.speeding_count counts, with boxes in pixels.

#include "ws/analytics_message.hpp"

#include <gtest/gtest.h>

#include "rw/common/error.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

json object(int track_id, double x, double y, double w, double h, std::optional<double> speed,
            json zones) {
  json o = {{"track_id", track_id},
            {"class_id", 2},
            {"label", "car"},
            {"confidence", 0.875},
            {"bbox", {{"x", x}, {"y", y}, {"w", w}, {"h", h}}}};
  if (speed) o["speed_kmh"] = *speed;
  if (!zones.is_null()) o["zones"] = zones;
  return o;
}

json record() {
  return {
      {"schema", "roadwatch/1"},
      {"source_id", "3"},
      {"frame_number", 42},
      {"pts_ns", 1'400'000'000},
      {"ts_unix_ms", 1'712'345'678'901},
      {"frame_size", {{"w", 1280}, {"h", 720}}},
      {"objects",
       {object(1, 0.1, 0.1, 0.05, 0.1, 80.0, {"road"}),
        object(2, 0.2, 0.2, 0.1, 0.1, 50.0, {"road"}),
        object(3, 0.3, 0.3, 0.1, 0.1, 120.0, json::array()),  // outside every zone
        object(4, 0.5, 0.25, 0.1, 0.2, 95.0, {"road"}),
        object(5, 0.6, 0.6, 0.1, 0.1, std::nullopt, {"road"})}},
      {"stats",
       {{"total_vehicles", 12},
        {"current_in_roi", 4},
        {"speeding_count", 2},
        {"by_class", {{"car", 12}}},
        {"line_counts", json::object()}}},
      {"events",
       {{{"type", "enter"},
         {"track_id", 4},
         {"label", "car"},
         {"zone", "road"},
         {"frame_number", 42},
         {"pts_ns", 1'400'000'000}}}},
  };
}

TEST(AnalyticsMessage, SpeedingVehiclesAreTheCountedFastestInsideAZone) {
  const json data = analytics_data(record(), 3);
  const json expected = json::parse(R"([
    {"track_id":4,"bbox":{"x1":640,"y1":180,"x2":768,"y2":324},"speed":95.0,
     "speed_unit":"km/h","class_id":2,"confidence":0.875},
    {"track_id":1,"bbox":{"x1":128,"y1":72,"x2":192,"y2":144},"speed":80.0,
     "speed_unit":"km/h","class_id":2,"confidence":0.875}])");
  EXPECT_EQ(data["speeding_vehicles"], expected);
}

TEST(AnalyticsMessage, PassesTheRecordThrough) {
  const json r = record();
  const json message = json::parse(analytics_message(r, 3));
  EXPECT_EQ(message["type"], "analytics");
  EXPECT_EQ(message["channel"], "analytics_metrics_3");
  const json &data = message["data"];
  EXPECT_EQ(data["video_id"], 3);
  EXPECT_EQ(data["frame_number"], 42);
  EXPECT_EQ(data["timestamp"], 1'712'345'678'901);
  EXPECT_EQ(data["pts_ns"], 1'400'000'000);
  EXPECT_EQ(data["frame_size"], json::parse(R"({"w":1280,"h":720})"));
  EXPECT_EQ(data["stats"], r["stats"]);
  EXPECT_EQ(data["objects"], r["objects"]);
  EXPECT_EQ(data["events"], r["events"]);
  EXPECT_EQ(data["speeding_vehicles"].size(), 2u);
}

TEST(AnalyticsMessage, CountLargerThanCandidatesTakesAllCandidates) {
  json r = record();
  r["stats"]["speeding_count"] = 10;
  EXPECT_EQ(analytics_data(r, 3)["speeding_vehicles"].size(), 3u);  // in a zone, with a speed
  r["stats"]["speeding_count"] = 0;
  EXPECT_TRUE(analytics_data(r, 3)["speeding_vehicles"].empty());
}

TEST(AnalyticsMessage, WithoutZoneAnalysisNoStatsNoSpeeding) {
  json r = record();
  r.erase("stats");
  r.erase("events");
  r.erase("pts_ns");
  const json data = analytics_data(r, 3);
  EXPECT_EQ(data["stats"], json::object());
  EXPECT_EQ(data["events"], json::array());
  EXPECT_EQ(data["speeding_vehicles"], json::array());
  EXPECT_FALSE(data.contains("pts_ns"));
}

TEST(AnalyticsMessage, BadRecordsThrowNamingTheField) {
  const auto message_of = [](const json &bad) {
    try {
      analytics_data(bad, 3);
    } catch (const rw::Error &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  json r = record();
  r.erase("frame_size");
  EXPECT_NE(message_of(r).find("frame_size is missing"), std::string::npos) << message_of(r);
  r = record();
  r["objects"] = "none";
  EXPECT_NE(message_of(r).find("objects has the wrong type"), std::string::npos);
  r = record();
  r["frame_number"] = "42";
  EXPECT_NE(message_of(r).find("frame_number"), std::string::npos);
  r = record();
  r["objects"][3].erase("bbox");
  EXPECT_NE(message_of(r).find("bbox is missing"), std::string::npos);
  EXPECT_NE(message_of(json::array()).find("not a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace rw::server

#include <gtest/gtest.h>

#include "db/history_format.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

const std::vector<std::string> kViolationColumns = {
    "total",     "id",        "source_id",    "session_id", "track_id",       "label",       "zone",
    "speed_kmh", "limit_kmh", "frame_number", "pts_ns",     "occurred_at_ms", "has_snapshot"};

TEST(ViolationsJson, ItemsTotalAndSnapshotLinks) {
  const SqlRows rows{kViolationColumns,
                     {{"7", "12", "3", "17", "5", "car", "roi", "75.5", "60", "42", "1400000000",
                       "1730000000123", "t"},
                      {"7", "11", "3", "17", "4", "truck", "roi", "64.12345", "60", "30",
                       "1000000000", "1729999999000", "f"}}};
  ViolationQuery query;
  query.limit = 2;
  query.offset = 4;
  const json out = violations_json(rows, query);
  EXPECT_EQ(out["total"], 7);
  EXPECT_EQ(out["limit"], 2);
  EXPECT_EQ(out["offset"], 4);
  ASSERT_EQ(out["items"].size(), 2u);
  const json &first = out["items"][0];
  EXPECT_EQ(first["id"], 12);
  EXPECT_EQ(first["source_id"], 3);
  EXPECT_EQ(first["session_id"], 17);
  EXPECT_EQ(first["label"], "car");
  EXPECT_EQ(first["speed_kmh"], 75.5);
  EXPECT_EQ(first["occurred_at"], "2024-10-27T03:33:20.123Z");
  EXPECT_EQ(first["occurred_at_ms"], 1730000000123);
  EXPECT_EQ(first["snapshot_url"], "/api/violations/12/snapshot");
  EXPECT_EQ(out["items"][1]["speed_kmh"], 64.12);
  EXPECT_TRUE(out["items"][1]["snapshot_url"].is_null());
}

TEST(ViolationsJson, PagePastTheEndStillHasTheTotal) {
  SqlRows rows{kViolationColumns, {{}}};
  rows.rows[0].resize(kViolationColumns.size());
  rows.rows[0][0] = "7";
  const json out = violations_json(rows, ViolationQuery{});
  EXPECT_EQ(out["total"], 7);
  EXPECT_TRUE(out["items"].empty());
  EXPECT_EQ(violations_csv(rows),
            "id,source_id,session_id,track_id,label,zone,speed_kmh,limit_kmh,frame_number,"
            "pts_ns,occurred_at,snapshot_url\r\n");
}

TEST(ViolationsCsv, OneLinePerViolation) {
  const SqlRows rows{kViolationColumns,
                     {{"1", "12", "3", "17", "5", "car", "north, left", "75.5", "60", "42",
                       "1400000000", "1730000000123", "t"}}};
  EXPECT_EQ(violations_csv(rows),
            "id,source_id,session_id,track_id,label,zone,speed_kmh,limit_kmh,frame_number,"
            "pts_ns,occurred_at,snapshot_url\r\n"
            "12,3,17,5,car,\"north, left\",75.5,60,42,1400000000,2024-10-27T03:33:20.123Z,"
            "/api/violations/12/snapshot\r\n");
}

const std::vector<std::string> kSeriesColumns = {
    "start_ms", "label", "vehicles", "speed_count", "speed_sum_kmh", "p85_speed_kmh", "violations"};

SqlRows series_rows() {
  return {kSeriesColumns,
          {{"1730000000000", std::nullopt, "3", "2", "130.5", "68.456", "1"},
           {"1730000000000", "car", "2", "2", "130.5", "68.456", "1"},
           {"1730000000000", "truck", "1", "0", "0", std::nullopt, "0"},
           {"1730000300000", std::nullopt, "1", "0", "0", std::nullopt, "0"},
           {"1730000300000", "bus", "1", "0", "0", std::nullopt, "0"}}};
}

TEST(TimeseriesJson, WindowsWithClassesMeanAndP85) {
  TimeseriesQuery query;
  query.source_id = 3;
  query.from_ms = 1730000000000;
  query.to_ms = 1730000600000;
  const json out = timeseries_json(series_rows(), query);
  EXPECT_EQ(out["source"], 3);
  EXPECT_EQ(out["window"], "5min");
  EXPECT_EQ(out["from"], "2024-10-27T03:33:20.000Z");
  EXPECT_EQ(out["to"], "2024-10-27T03:43:20.000Z");
  ASSERT_EQ(out["buckets"].size(), 2u);
  const json &first = out["buckets"][0];
  EXPECT_EQ(first["start_ms"], 1730000000000);
  EXPECT_EQ(first["vehicles"], 3);
  EXPECT_EQ(first["by_class"], json({{"car", 2}, {"truck", 1}}));
  EXPECT_EQ(first["mean_speed_kmh"], 65.25);
  EXPECT_EQ(first["p85_speed_kmh"], 68.46);
  EXPECT_EQ(first["violations"], 1);
  const json &second = out["buckets"][1];
  EXPECT_EQ(second["by_class"], json({{"bus", 1}}));
  EXPECT_TRUE(second["mean_speed_kmh"].is_null());
  EXPECT_TRUE(second["p85_speed_kmh"].is_null());
}

TEST(TimeseriesCsv, TotalsAreLabelledAll) {
  EXPECT_EQ(timeseries_csv(series_rows()),
            "bucket_start,label,vehicles,mean_speed_kmh,p85_speed_kmh,violations\r\n"
            "2024-10-27T03:33:20.000Z,all,3,65.25,68.46,1\r\n"
            "2024-10-27T03:33:20.000Z,car,2,65.25,68.46,1\r\n"
            "2024-10-27T03:33:20.000Z,truck,1,,,0\r\n"
            "2024-10-27T03:38:20.000Z,all,1,,,0\r\n"
            "2024-10-27T03:38:20.000Z,bus,1,,,0\r\n");
}

const std::vector<std::string> kSpeedColumns = {"from_kmh", "vehicles", "mean_speed_kmh",
                                                "p85_speed_kmh"};

TEST(SpeedHistogramJson, TotalsAndBins) {
  const SqlRows rows{kSpeedColumns,
                     {{std::nullopt, "5", "109.80000305175781", "124.40000000000001"},
                      {"90", "1", std::nullopt, std::nullopt},
                      {"100", "2", std::nullopt, std::nullopt},
                      {"130", "2", std::nullopt, std::nullopt}}};
  SpeedHistogramQuery query;
  query.source_id = 3;
  query.from_ms = 1730000000123;
  const json out = speed_histogram_json(rows, query);
  EXPECT_EQ(out.dump(),
            R"({"bin_kmh":10,"bins":[{"from_kmh":90,"to_kmh":100,"vehicles":1},)"
            R"({"from_kmh":100,"to_kmh":110,"vehicles":2},{"from_kmh":130,"to_kmh":140,)"
            R"("vehicles":2}],"from":"2024-10-27T03:33:20.123Z","mean_speed_kmh":109.8,)"
            R"("p85_speed_kmh":124.4,"source":3,"to":null,"vehicles":5})");
  EXPECT_EQ(speed_histogram_csv(rows, query),
            "from_kmh,to_kmh,vehicles\r\n90,100,1\r\n100,110,2\r\n130,140,2\r\n");
}

TEST(SpeedHistogramJson, FractionalBinsAndNoPassages) {
  SpeedHistogramQuery query;
  query.bin_kmh = 2.5;
  const SqlRows rows{kSpeedColumns,
                     {{std::nullopt, "1", "101", "101"}, {"100", "1", std::nullopt, std::nullopt}}};
  const json out = speed_histogram_json(rows, query);
  EXPECT_EQ(out["bin_kmh"], 2.5);
  EXPECT_EQ(out["bins"], json::parse(R"([{"from_kmh":100,"to_kmh":102.5,"vehicles":1}])"));
  EXPECT_EQ(speed_histogram_csv(rows, query), "from_kmh,to_kmh,vehicles\r\n100,102.5,1\r\n");

  const SqlRows none{kSpeedColumns, {{std::nullopt, "0", std::nullopt, std::nullopt}}};
  const json empty = speed_histogram_json(none, SpeedHistogramQuery{});
  EXPECT_EQ(empty["vehicles"], 0);
  EXPECT_TRUE(empty["mean_speed_kmh"].is_null());
  EXPECT_TRUE(empty["p85_speed_kmh"].is_null());
  EXPECT_TRUE(empty["bins"].empty());
  EXPECT_TRUE(empty["source"].is_null());
  EXPECT_TRUE(empty["from"].is_null());
  EXPECT_EQ(speed_histogram_csv(none, SpeedHistogramQuery{}), "from_kmh,to_kmh,vehicles\r\n");
}

TEST(SourceAnalyticsJson, SeedFieldsFromTheNewestRun) {
  const json analytics =
      source_analytics_json({{"source_id", 3},
                             {"totals", {{"vehicles", 20}}},
                             {"by_class", {{"car", 20}}},
                             {"runs",
                              {{{"session_id", 9},
                                {"total_vehicles_count", 12},
                                {"avg_dwell_time", 2.5},
                                {"vehicle_type_distribution", {{"car", 12}}},
                                {"processed_at", "2024-10-27T03:33:20.123Z"}},
                               {{"session_id", 8}, {"total_vehicles_count", 8}}}}});
  EXPECT_EQ(analytics["video_id"], 3);
  EXPECT_EQ(analytics["total_vehicles_count"], 12);
  EXPECT_EQ(analytics["avg_dwell_time"], 2.5);
  EXPECT_EQ(analytics["vehicle_type_distribution"], json({{"car", 12}}));
  EXPECT_EQ(analytics["processed_at"], "2024-10-27T03:33:20.123Z");
}

TEST(SourceAnalyticsJson, LiveTotalsWhileNoRunFinished) {
  const json analytics = source_analytics_json({{"source_id", 4},
                                                {"totals", {{"vehicles", 5}}},
                                                {"by_class", {{"car", 4}, {"bus", 1}}},
                                                {"runs", json::array()}});
  EXPECT_EQ(analytics["video_id"], 4);
  EXPECT_EQ(analytics["total_vehicles_count"], 5);
  EXPECT_TRUE(analytics["avg_dwell_time"].is_null());
  EXPECT_EQ(analytics["vehicle_type_distribution"], json({{"car", 4}, {"bus", 1}}));
  EXPECT_TRUE(analytics["processed_at"].is_null());
}

}  // namespace
}  // namespace rw::server

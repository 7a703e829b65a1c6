// The history functions of the REST API against known rows: filters, pagination, snapshots,
// time series, summaries, CSV, and the errors (404, 503).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "db/history.hpp"
#include "db_test.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1730000040000;  // 2024-10-27T03:34:00Z, a whole minute
const std::string kJpeg("\xff\xd8\x00\x01\x02snapshot\xff\xd9", 14);

class HistoryTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    // Video 3: five violations a minute apart at 61, 70, 80, 90, 95 km/h (id 1..5), the
    // second with a snapshot; camera 4: one at 100 km/h (id 6).
    const int speeds[] = {61, 70, 80, 90, 95};
    for (int i = 0; i < 5; ++i) {
      sql("INSERT INTO speeding_violations (id, session_id, source_id, track_id, zone,"
          " frame_number, pts_ns, label, speed_kmh, limit_kmh, occurred_at, snapshot)"
          " VALUES ($1, 17, 3, $1, 'roi', $1, 0, 'car', $2, 60,"
          " TIMESTAMPTZ 'epoch' + $3::bigint * INTERVAL '1 millisecond', $4)",
          {std::to_string(i + 1), std::to_string(speeds[i]), std::to_string(kT0 + i * 60000),
           i == 1 ? std::optional<std::string>(rw::test::bytea_text(kJpeg)) : std::nullopt});
    }
    sql("INSERT INTO speeding_violations (id, session_id, source_id, track_id, zone,"
        " frame_number, pts_ns, label, speed_kmh, limit_kmh, occurred_at)"
        " VALUES (6, 18, 4, 1, 'roi', 1, 0, 'bus', 100, 60,"
        " TIMESTAMPTZ 'epoch' + $1::bigint * INTERVAL '1 millisecond')",
        {std::to_string(kT0)});
  }

  template <typename Answer, typename Call>
  Answer answer_of(Call call) {
    std::optional<Answer> answer;
    call([&](Answer a) { answer = std::move(a); });
    EXPECT_TRUE(wait([&] { return answer.has_value(); }));
    return answer.value_or(Answer(ApiError::internal("no answer")));
  }

  json violations(const QueryParams &params) {
    auto query = parse_violation_query(params);
    EXPECT_TRUE(std::holds_alternative<ViolationQuery>(query));
    const auto answer = answer_of<std::variant<json, ApiError>>(
        [&](auto cb) { list_violations(*pg_, std::get<ViolationQuery>(query), cb); });
    if (auto *error = std::get_if<ApiError>(&answer)) ADD_FAILURE() << error->message;
    return std::holds_alternative<json>(answer) ? std::get<json>(answer) : json();
  }

  static std::vector<int> ids(const json &page) {
    std::vector<int> out;
    for (const json &item : page["items"]) out.push_back(item["id"].get<int>());
    return out;
  }
};

TEST_F(HistoryTest, ViolationsNewestFirstWithTotalAndPages) {
  const json all = violations({});
  EXPECT_EQ(all["total"], 6);
  EXPECT_EQ(ids(all), (std::vector<int>{5, 4, 3, 2, 6, 1}));  // 6 and 1 share kT0: id breaks it

  const json page = violations({{"source", "3"}, {"limit", "2"}, {"offset", "1"}});
  EXPECT_EQ(page["total"], 5);
  EXPECT_EQ(page["limit"], 2);
  EXPECT_EQ(page["offset"], 1);
  EXPECT_EQ(ids(page), (std::vector<int>{4, 3}));

  const json beyond = violations({{"source", "3"}, {"offset", "50"}});
  EXPECT_EQ(beyond["total"], 5);
  EXPECT_TRUE(beyond["items"].empty());

  const json item = violations({{"source", "3"}, {"limit", "1"}, {"offset", "3"}})["items"][0];
  EXPECT_EQ(item["id"], 2);
  EXPECT_EQ(item["source_id"], 3);
  EXPECT_EQ(item["session_id"], 17);
  EXPECT_EQ(item["speed_kmh"], 70.0);
  EXPECT_EQ(item["limit_kmh"], 60.0);
  EXPECT_EQ(item["label"], "car");
  EXPECT_EQ(item["occurred_at"], "2024-10-27T03:35:00.000Z");
  EXPECT_EQ(item["snapshot_url"], "/api/violations/2/snapshot");
}

TEST_F(HistoryTest, ViolationsFilterBySpeedAndTime) {
  EXPECT_EQ(ids(violations({{"min_speed", "90"}})), (std::vector<int>{5, 4, 6}));
  EXPECT_EQ(ids(violations({{"source", "3"},
                            {"from", "2024-10-27T03:35:00Z"},
                            {"to", std::to_string(kT0 + 3 * 60000)}})),
            (std::vector<int>{3, 2}));  // [from, to): 03:35 and 03:36
  EXPECT_EQ(violations({{"source", "99"}})["total"], 0);
}

TEST_F(HistoryTest, SnapshotBytesOr404) {
  using Answer = std::variant<std::string, ApiError>;
  const Answer jpeg = answer_of<Answer>([&](auto cb) { violation_snapshot(*pg_, 2, cb); });
  ASSERT_TRUE(std::holds_alternative<std::string>(jpeg));
  EXPECT_EQ(std::get<std::string>(jpeg), kJpeg);

  const Answer none = answer_of<Answer>([&](auto cb) { violation_snapshot(*pg_, 3, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(none));
  EXPECT_EQ(std::get<ApiError>(none).status, 404);
  EXPECT_EQ(std::get<ApiError>(none).message, "violation 3 has no snapshot");

  const Answer unknown = answer_of<Answer>([&](auto cb) { violation_snapshot(*pg_, 999, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(unknown));
  EXPECT_EQ(std::get<ApiError>(unknown).status, 404);
  EXPECT_EQ(std::get<ApiError>(unknown).message, "no violation 999");
}

TEST_F(HistoryTest, TimeseriesRollsMinutesUpIntoWindows) {
  // Minutes 03:31 and 03:32 of video 3 (one 5-minute window, 03:30-03:35): cars at 50, 60,
  // 90 km/h and a truck without a speed; traffic_metrics as the persister leaves it.
  const std::string minute = std::to_string(kT0 - 180000);
  sql("INSERT INTO vehicle_passages (session_id, source_id, track_id, label, entered_at,"
      " speed_kmh) SELECT 17, 3, t, l, TIMESTAMPTZ 'epoch' + m * INTERVAL '1 millisecond', s"
      " FROM (VALUES (1, 'car', $1::bigint, 50), (2, 'car', $1::bigint + 1000, 60),"
      "              (3, 'car', $1::bigint + 60000, 90), (4, 'truck', $1::bigint + 61000, NULL))"
      " AS v(t, l, m, s)",
      {minute});
  sql("INSERT INTO traffic_metrics VALUES"
      " (3, TIMESTAMPTZ 'epoch' + $1::bigint * INTERVAL '1 millisecond', 'car', 2, 2, 110, 58.5, "
      "1),"
      " (3, TIMESTAMPTZ 'epoch' + ($1::bigint + 60000) * INTERVAL '1 millisecond', 'car', 1, 1,"
      "  90, 90, 1),"
      " (3, TIMESTAMPTZ 'epoch' + ($1::bigint + 60000) * INTERVAL '1 millisecond', 'truck', 1,"
      "  0, 0, NULL, 0)",
      {minute});
  auto query = parse_timeseries_query({{"source", "3"},
                                       {"window", "5min"},
                                       {"from", "2024-10-27T03:30:00Z"},
                                       {"to", "2024-10-27T03:40:00Z"}},
                                      kT0);
  ASSERT_TRUE(std::holds_alternative<TimeseriesQuery>(query));
  const auto answer = answer_of<std::variant<json, ApiError>>(
      [&](auto cb) { timeseries(*pg_, std::get<TimeseriesQuery>(query), cb); });
  ASSERT_TRUE(std::holds_alternative<json>(answer)) << std::get<ApiError>(answer).message;
  const json &out = std::get<json>(answer);
  EXPECT_EQ(out["window"], "5min");
  ASSERT_EQ(out["buckets"].size(), 1u) << out.dump();
  const json &bucket = out["buckets"][0];
  EXPECT_EQ(bucket["start"], "2024-10-27T03:30:00.000Z");
  EXPECT_EQ(bucket["vehicles"], 4);
  EXPECT_EQ(bucket["by_class"], json({{"car", 3}, {"truck", 1}}));
  EXPECT_EQ(bucket["mean_speed_kmh"], 66.67);  // (50 + 60 + 90) / 3
  EXPECT_EQ(bucket["p85_speed_kmh"], 81.0);    // of {50, 60, 90}: 60 + 0.7 * 30
  EXPECT_EQ(bucket["violations"], 2);

  using Text = std::variant<std::string, ApiError>;
  const Text csv =
      answer_of<Text>([&](auto cb) { export_csv(*pg_, std::get<TimeseriesQuery>(query), cb); });
  ASSERT_TRUE(std::holds_alternative<std::string>(csv));
  EXPECT_EQ(std::get<std::string>(csv),
            "bucket_start,label,vehicles,mean_speed_kmh,p85_speed_kmh,violations\r\n"
            "2024-10-27T03:30:00.000Z,all,4,66.67,81,2\r\n"
            "2024-10-27T03:30:00.000Z,car,3,66.67,81,2\r\n"
            "2024-10-27T03:30:00.000Z,truck,1,,,0\r\n");
}

TEST_F(HistoryTest, SpeedHistogramOfThePassagesWithASpeed) {
  // Video 3: a minute apart from kT0, passages at 95, 101, no speed, 104, 119, 130 km/h;
  // camera 4: one at 50 km/h.
  sql("INSERT INTO vehicle_passages (session_id, source_id, track_id, label, entered_at,"
      " speed_kmh) SELECT 17, 3, i, 'car',"
      " TIMESTAMPTZ 'epoch' + ($1::bigint + i * 60000) * INTERVAL '1 millisecond', s"
      " FROM (VALUES (0, 95), (1, 101), (2, NULL), (3, 104), (4, 119), (5, 130)) AS v(i, s)",
      {std::to_string(kT0)});
  sql("INSERT INTO vehicle_passages (session_id, source_id, track_id, label, entered_at,"
      " speed_kmh) VALUES (18, 4, 1, 'bus',"
      " TIMESTAMPTZ 'epoch' + $1::bigint * INTERVAL '1 millisecond', 50)",
      {std::to_string(kT0)});
  using Answer = std::variant<json, ApiError>;
  const auto histogram = [&](const QueryParams &params) {
    auto query = parse_speed_histogram_query(params);
    EXPECT_TRUE(std::holds_alternative<SpeedHistogramQuery>(query));
    const Answer answer = answer_of<Answer>(
        [&](auto cb) { speed_histogram(*pg_, std::get<SpeedHistogramQuery>(query), cb); });
    if (auto *error = std::get_if<ApiError>(&answer)) ADD_FAILURE() << error->message;
    return std::holds_alternative<json>(answer) ? std::get<json>(answer) : json();
  };

  // {95, 101, 104, 119, 130}: p85 at 0.85 * 4 = 3.4, 119 + 0.4 * (130 - 119).
  EXPECT_EQ(histogram({{"source", "3"}}), json::parse(R"({
      "source": 3, "from": null, "to": null, "bin_kmh": 10, "vehicles": 5,
      "mean_speed_kmh": 109.8, "p85_speed_kmh": 123.4,
      "bins": [{"from_kmh": 90, "to_kmh": 100, "vehicles": 1},
               {"from_kmh": 100, "to_kmh": 110, "vehicles": 2},
               {"from_kmh": 110, "to_kmh": 120, "vehicles": 1},
               {"from_kmh": 130, "to_kmh": 140, "vehicles": 1}]})"));

  // [kT0 + 1min, kT0 + 5min) of video 3: {101, 104, 119} (the passage without a speed is left
  // out); p85 at 0.85 * 2 = 1.7, 104 + 0.7 * (119 - 104).
  const json range = histogram({{"source", "3"},
                                {"from", "2024-10-27T03:35:00Z"},
                                {"to", std::to_string(kT0 + 5 * 60000)},
                                {"bin_kmh", "25"}});
  EXPECT_EQ(range["from"], "2024-10-27T03:35:00.000Z");
  EXPECT_EQ(range["to"], "2024-10-27T03:39:00.000Z");
  EXPECT_EQ(range["vehicles"], 3);
  EXPECT_EQ(range["mean_speed_kmh"], 108.0);
  EXPECT_EQ(range["p85_speed_kmh"], 114.5);
  EXPECT_EQ(range["bins"], json::parse(R"([{"from_kmh": 100, "to_kmh": 125, "vehicles": 3}])"));

  // Every source: the camera's 50 km/h too; {50, 95, 101, 104, 119, 130}: 0.85 * 5 = 4.25.
  const json all = histogram({{"bin_kmh", "25"}});
  EXPECT_TRUE(all["source"].is_null());
  EXPECT_EQ(all["vehicles"], 6);
  EXPECT_EQ(all["mean_speed_kmh"], 99.83);  // 599 / 6
  EXPECT_EQ(all["p85_speed_kmh"], 121.75);  // 119 + 0.25 * 11
  EXPECT_EQ(all["bins"], json::parse(R"([{"from_kmh": 50, "to_kmh": 75, "vehicles": 1},
                                         {"from_kmh": 75, "to_kmh": 100, "vehicles": 1},
                                         {"from_kmh": 100, "to_kmh": 125, "vehicles": 3},
                                         {"from_kmh": 125, "to_kmh": 150, "vehicles": 1}])"));

  const json none = histogram({{"source", "99"}});
  EXPECT_EQ(none["vehicles"], 0);
  EXPECT_TRUE(none["mean_speed_kmh"].is_null());
  EXPECT_TRUE(none["p85_speed_kmh"].is_null());
  EXPECT_TRUE(none["bins"].empty());

  // p85 is the time series' p85 of the same passages (one 1day window holds them all).
  sql("INSERT INTO traffic_metrics VALUES (3, TIMESTAMPTZ 'epoch' + $1::bigint *"
      " INTERVAL '1 millisecond', 'car', 6, 5, 549, NULL, 0)",
      {std::to_string(kT0)});
  auto series = parse_timeseries_query({{"source", "3"}, {"window", "1day"}}, kT0);
  ASSERT_TRUE(std::holds_alternative<TimeseriesQuery>(series));
  const Answer day =
      answer_of<Answer>([&](auto cb) { timeseries(*pg_, std::get<TimeseriesQuery>(series), cb); });
  ASSERT_TRUE(std::holds_alternative<json>(day));
  ASSERT_EQ(std::get<json>(day)["buckets"].size(), 1u) << std::get<json>(day).dump();
  EXPECT_EQ(std::get<json>(day)["buckets"][0]["p85_speed_kmh"], 123.4);
  EXPECT_EQ(std::get<json>(day)["buckets"][0]["mean_speed_kmh"], 109.8);

  auto csv_query = parse_speed_histogram_query({{"source", "3"}, {"format", "csv"}});
  ASSERT_TRUE(std::holds_alternative<SpeedHistogramQuery>(csv_query));
  using Text = std::variant<std::string, ApiError>;
  const Text csv = answer_of<Text>(
      [&](auto cb) { export_csv(*pg_, std::get<SpeedHistogramQuery>(csv_query), cb); });
  ASSERT_TRUE(std::holds_alternative<std::string>(csv));
  EXPECT_EQ(std::get<std::string>(csv),
            "from_kmh,to_kmh,vehicles\r\n90,100,1\r\n100,110,2\r\n110,120,1\r\n"
            "130,140,1\r\n");
}

TEST_F(HistoryTest, ViolationsCsvHasOneLinePerRow) {
  auto query = parse_violation_query({{"source", "3"}, {"format", "csv"}});
  ASSERT_TRUE(std::holds_alternative<ViolationQuery>(query));
  using Text = std::variant<std::string, ApiError>;
  const Text csv =
      answer_of<Text>([&](auto cb) { export_csv(*pg_, std::get<ViolationQuery>(query), cb); });
  ASSERT_TRUE(std::holds_alternative<std::string>(csv));
  const std::string &text = std::get<std::string>(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);  // header + 5
  EXPECT_NE(text.find("\r\n2,3,17,2,car,roi,70,60,2,0,2024-10-27T03:35:00.000Z,"
                      "/api/violations/2/snapshot\r\n"),
            std::string::npos)
      << text;
}

TEST_F(HistoryTest, SourceAnalyticsFromRunsOrLiveTotals) {
  sql("INSERT INTO vehicle_passages (session_id, source_id, track_id, label, entered_at,"
      " speed_kmh) VALUES (17, 3, 1, 'car', now(), 50), (17, 3, 2, 'truck', now(), 70)");
  using Answer = std::variant<json, ApiError>;
  const Answer live = answer_of<Answer>([&](auto cb) { source_analytics(*pg_, 3, cb); });
  ASSERT_TRUE(std::holds_alternative<json>(live)) << std::get<ApiError>(live).message;
  EXPECT_EQ(std::get<json>(live)["video_id"], 3);
  EXPECT_EQ(std::get<json>(live)["total_vehicles_count"], 2);
  EXPECT_EQ(std::get<json>(live)["vehicle_type_distribution"], json({{"car", 1}, {"truck", 1}}));
  EXPECT_EQ(std::get<json>(live)["violations"], 5);
  EXPECT_EQ(std::get<json>(live)["totals"]["mean_speed_kmh"], 60.0);
  EXPECT_TRUE(std::get<json>(live)["runs"].empty());

  sql("INSERT INTO video_analytics (session_id, video_id, total_vehicles_count, avg_dwell_time,"
      " vehicle_type_distribution, violations, processed_at)"
      " VALUES (17, 3, 12, 2.5, '{\"car\": 12}', 5, '2024-10-27T03:33:20.123Z')");
  const Answer finished = answer_of<Answer>([&](auto cb) { source_analytics(*pg_, 3, cb); });
  ASSERT_TRUE(std::holds_alternative<json>(finished));
  const json &out = std::get<json>(finished);
  EXPECT_EQ(out["total_vehicles_count"], 12);
  EXPECT_EQ(out["avg_dwell_time"], 2.5);
  EXPECT_EQ(out["vehicle_type_distribution"], json({{"car", 12}}));
  EXPECT_EQ(out["processed_at"], "2024-10-27T03:33:20.123Z");
  ASSERT_EQ(out["runs"].size(), 1u);
  EXPECT_EQ(out["runs"][0]["session_id"], 17);

  const Answer unknown = answer_of<Answer>([&](auto cb) { source_analytics(*pg_, 99, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(unknown));
  EXPECT_EQ(std::get<ApiError>(unknown).status, 404);
}

TEST_F(HistoryTest, DatabaseDownIs503) {
  PgAsync down(cluster_->conninfo(db_), RW_SERVER_MIGRATIONS_DIR, context_);  // never started
  using Answer = std::variant<json, ApiError>;
  const Answer answer =
      answer_of<Answer>([&](auto cb) { list_violations(down, ViolationQuery{}, cb); });
  ASSERT_TRUE(std::holds_alternative<ApiError>(answer));
  EXPECT_EQ(std::get<ApiError>(answer).status, 503);
  EXPECT_EQ(std::get<ApiError>(answer).code, "database_unavailable");
}

}  // namespace
}  // namespace rw::server

#include <gtest/gtest.h>

#include "db/history_query.hpp"
#include "statement_checks.hpp"

namespace rw::server {
namespace {

ViolationQuery violations_ok(const QueryParams &params) {
  auto parsed = parse_violation_query(params);
  if (auto *error = std::get_if<ApiError>(&parsed)) ADD_FAILURE() << error->message;
  return std::holds_alternative<ViolationQuery>(parsed) ? std::get<ViolationQuery>(parsed)
                                                        : ViolationQuery{};
}

std::string violations_error(const QueryParams &params) {
  auto parsed = parse_violation_query(params);
  if (!std::holds_alternative<ApiError>(parsed)) return "(accepted)";
  EXPECT_EQ(std::get<ApiError>(parsed).status, 400);
  return std::get<ApiError>(parsed).message;
}

constexpr std::int64_t kNow = 1730000000123;  // 2024-10-27T03:33:20.123Z

TimeseriesQuery timeseries_ok(const QueryParams &params) {
  auto parsed = parse_timeseries_query(params, kNow);
  if (auto *error = std::get_if<ApiError>(&parsed)) ADD_FAILURE() << error->message;
  return std::holds_alternative<TimeseriesQuery>(parsed) ? std::get<TimeseriesQuery>(parsed)
                                                         : TimeseriesQuery{};
}

std::string timeseries_error(const QueryParams &params) {
  auto parsed = parse_timeseries_query(params, kNow);
  if (!std::holds_alternative<ApiError>(parsed)) return "(accepted)";
  EXPECT_EQ(std::get<ApiError>(parsed).status, 400);
  return std::get<ApiError>(parsed).message;
}

SpeedHistogramQuery speeds_ok(const QueryParams &params) {
  auto parsed = parse_speed_histogram_query(params);
  if (auto *error = std::get_if<ApiError>(&parsed)) ADD_FAILURE() << error->message;
  return std::holds_alternative<SpeedHistogramQuery>(parsed) ? std::get<SpeedHistogramQuery>(parsed)
                                                             : SpeedHistogramQuery{};
}

std::string speeds_error(const QueryParams &params) {
  auto parsed = parse_speed_histogram_query(params);
  if (!std::holds_alternative<ApiError>(parsed)) return "(accepted)";
  EXPECT_EQ(std::get<ApiError>(parsed).status, 400);
  return std::get<ApiError>(parsed).message;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(ViolationQuery, DefaultsAndEmptyValues) {
  const ViolationQuery q = violations_ok({{"source", ""}, {"from", ""}, {"min_speed", ""}});
  EXPECT_EQ(q.source_id, std::nullopt);
  EXPECT_EQ(q.from_ms, std::nullopt);
  EXPECT_EQ(q.min_speed_kmh, std::nullopt);
  EXPECT_EQ(q.limit, 50);
  EXPECT_EQ(q.offset, 0);
  EXPECT_EQ(q.format, HistoryFormat::kJson);
}

TEST(ViolationQuery, ReadsEveryFilter) {
  const ViolationQuery q = violations_ok({{"source", "3"},
                                          {"from", "2024-10-27T00:00:00Z"},
                                          {"to", "1730000000123"},
                                          {"min_speed", "80.5"},
                                          {"limit", "1000"},
                                          {"offset", "20"}});
  EXPECT_EQ(q.source_id, 3);
  EXPECT_EQ(q.from_ms, 1729987200000);
  EXPECT_EQ(q.to_ms, 1730000000123);
  EXPECT_EQ(q.min_speed_kmh, 80.5);
  EXPECT_EQ(q.limit, 1000);
  EXPECT_EQ(q.offset, 20);
}

TEST(ViolationQuery, CsvAllowsLargerPages) {
  const ViolationQuery csv = violations_ok({{"format", "csv"}});
  EXPECT_EQ(csv.format, HistoryFormat::kCsv);
  EXPECT_EQ(csv.limit, 10000);
  EXPECT_EQ(violations_ok({{"format", "csv"}, {"limit", "100000"}}).limit, 100000);
  EXPECT_TRUE(contains(violations_error({{"format", "csv"}, {"limit", "100001"}}), "limit"));
}

TEST(ViolationQuery, BadParametersAreNamed) {
  EXPECT_TRUE(
      contains(violations_error({{"limit", "1001"}}), "limit must be an integer from 1 to 1000"));
  EXPECT_TRUE(contains(violations_error({{"limit", "0"}}), "limit"));
  EXPECT_TRUE(contains(violations_error({{"limit", "ten"}}), "got 'ten'"));
  EXPECT_TRUE(contains(violations_error({{"offset", "-1"}}), "offset"));
  EXPECT_TRUE(contains(violations_error({{"source", "0"}}), "source"));
  EXPECT_TRUE(contains(violations_error({{"source", "3; DROP TABLE x"}}), "source"));
  EXPECT_TRUE(contains(violations_error({{"min_speed", "fast"}}), "min_speed"));
  EXPECT_TRUE(contains(violations_error({{"min_speed", "nan"}}), "min_speed"));
  EXPECT_TRUE(contains(violations_error({{"from", "yesterday"}}), "from must be an ISO-8601"));
  EXPECT_TRUE(
      contains(violations_error({{"from", "2000"}, {"to", "1000"}}), "from must be before to"));
  EXPECT_TRUE(contains(violations_error({{"format", "xml"}}), "format"));
  EXPECT_TRUE(contains(violations_error({{"min_sped", "80"}}), "unknown parameter 'min_sped'"));
}

TEST(ViolationQuery, StatementHasOnlyPlaceholdersForValues) {
  ViolationQuery q;
  EXPECT_TRUE(placeholders_match(violations_statement(q)));
  q.source_id = 3;
  q.from_ms = 1000;
  q.to_ms = 2000;
  q.min_speed_kmh = 80.5;
  q.limit = 10;
  q.offset = 20;
  const PgStatement s = violations_statement(q);
  EXPECT_TRUE(placeholders_match(s));
  ASSERT_EQ(s.params.size(), 6u);
  EXPECT_EQ(s.params[0].value, "3");
  EXPECT_EQ(s.params[1].value, "1000");
  EXPECT_EQ(s.params[2].value, "2000");
  EXPECT_EQ(std::stod(*s.params[3].value), 80.5);
  EXPECT_EQ(s.params[4].value, "10");
  EXPECT_EQ(s.params[5].value, "20");
  EXPECT_TRUE(contains(s.sql, "ORDER BY occurred_at DESC, id DESC"));
}

TEST(TimeseriesQuery, DefaultsToTheLastWindowsUpToNow) {
  const TimeseriesQuery q = timeseries_ok({});
  EXPECT_EQ(q.window, "5min");
  EXPECT_EQ(q.window_ms, 300000);
  EXPECT_EQ(q.to_ms, 1730000100000);  // now, rounded up to a whole window
  EXPECT_EQ(q.from_ms, 1730000100000 - 288 * 300000);
  EXPECT_EQ(q.source_id, std::nullopt);
}

TEST(TimeseriesQuery, RoundsTheRangeOutToWholeWindows) {
  const TimeseriesQuery q = timeseries_ok({{"source", "4"},
                                           {"window", "1hour"},
                                           {"from", "2024-10-27T03:33:20Z"},
                                           {"to", "2024-10-27T05:00:00Z"}});
  EXPECT_EQ(q.source_id, 4);
  EXPECT_EQ(q.window_ms, 3600000);
  EXPECT_EQ(q.from_ms, 1729998000000);  // 03:00
  EXPECT_EQ(q.to_ms, 1730005200000);    // 05:00 stays
  const PgStatement s = timeseries_statement(q);
  EXPECT_TRUE(placeholders_match(s));
  EXPECT_EQ(s.params[0].value, "3600 seconds");
  EXPECT_TRUE(contains(s.sql, "date_bin("));
  EXPECT_TRUE(contains(s.sql, "percentile_cont(0.85)"));
  EXPECT_TRUE(placeholders_match(timeseries_statement(timeseries_ok({}))));
}

TEST(TimeseriesQuery, BoundsTheNumberOfWindows) {
  // 2000 one-minute windows are fine, 2001 are not.
  EXPECT_EQ(timeseries_error({{"window", "1min"}, {"from", "0"}, {"to", "120000000"}}),
            "(accepted)");
  EXPECT_TRUE(contains(timeseries_error({{"window", "1min"}, {"from", "0"}, {"to", "120000001"}}),
                       "spans 2001 windows of 1min; at most 2000"));
  EXPECT_TRUE(contains(timeseries_error({{"window", "2min"}}), "window must be one of"));
  EXPECT_TRUE(contains(timeseries_error({{"from", "2024-10-28"}, {"to", "2024-10-27"}}),
                       "from must be before to"));
  EXPECT_TRUE(contains(timeseries_error({{"limit", "5"}}), "unknown parameter 'limit'"));
}

TEST(SpeedHistogramQuery, DefaultsAndEmptyValues) {
  for (const QueryParams &params :
       {QueryParams{}, QueryParams{{"source", ""}, {"from", ""}, {"to", ""}, {"bin_kmh", ""}}}) {
    const SpeedHistogramQuery q = speeds_ok(params);
    EXPECT_EQ(q.source_id, std::nullopt);
    EXPECT_EQ(q.from_ms, std::nullopt);  // no range: every passage
    EXPECT_EQ(q.to_ms, std::nullopt);
    EXPECT_EQ(q.bin_kmh, 10);
    EXPECT_EQ(q.format, HistoryFormat::kJson);
  }
}

TEST(SpeedHistogramQuery, ReadsEveryParameter) {
  const SpeedHistogramQuery q = speeds_ok({{"source", "3"},
                                           {"from", "2024-10-27T00:00:00Z"},
                                           {"to", "1730000000123"},
                                           {"bin_kmh", "2.5"},
                                           {"format", "csv"}});
  EXPECT_EQ(q.source_id, 3);
  EXPECT_EQ(q.from_ms, 1729987200000);  // taken as given, not rounded
  EXPECT_EQ(q.to_ms, 1730000000123);
  EXPECT_EQ(q.bin_kmh, 2.5);
  EXPECT_EQ(q.format, HistoryFormat::kCsv);
  EXPECT_EQ(speeds_ok({{"bin_kmh", "1"}}).bin_kmh, 1);
  EXPECT_EQ(speeds_ok({{"bin_kmh", "100"}}).bin_kmh, 100);
}

TEST(SpeedHistogramQuery, BadParametersAreNamed) {
  for (const char *bin : {"0", "0.5", "100.5", "101", "-10", "ten", "10kmh", "nan", "inf", " 10"}) {
    EXPECT_EQ(speeds_error({{"bin_kmh", bin}}),
              "bin_kmh must be a number from 1 to 100, got '" + std::string(bin) + "'");
  }
  EXPECT_TRUE(contains(speeds_error({{"source", "0"}}), "source must be an integer"));
  EXPECT_TRUE(contains(speeds_error({{"source", "x"}}), "source"));
  EXPECT_TRUE(contains(speeds_error({{"from", "yesterday"}}), "from must be an ISO-8601"));
  EXPECT_TRUE(contains(speeds_error({{"to", "soon"}}), "to must be an ISO-8601"));
  EXPECT_EQ(speeds_error({{"from", "2000"}, {"to", "2000"}}), "from must be before to");
  EXPECT_TRUE(contains(speeds_error({{"format", "xml"}}), "format must be json or csv"));
  EXPECT_EQ(speeds_error({{"bin", "5"}}),
            "unknown parameter 'bin'; known here: bin_kmh, format, from, source, to");
  EXPECT_TRUE(contains(speeds_error({{"window", "1day"}}), "unknown parameter 'window'"));
}

TEST(SpeedHistogramQuery, StatementIsOneScanWithTotalsThenBins) {
  SpeedHistogramQuery q;
  q.source_id = 3;
  q.from_ms = 1000;
  q.to_ms = 2000;
  q.bin_kmh = 2.5;
  const PgStatement s = speed_histogram_statement(q);
  EXPECT_TRUE(placeholders_match(s));
  EXPECT_EQ(s.sql,
            "WITH p AS (SELECT speed_kmh FROM vehicle_passages WHERE speed_kmh IS NOT NULL"
            " AND source_id = $1::int"
            " AND entered_at >= (TIMESTAMPTZ 'epoch' + $2::bigint * INTERVAL '1 millisecond')"
            " AND entered_at < (TIMESTAMPTZ 'epoch' + $3::bigint * INTERVAL '1 millisecond'))"
            " SELECT NULL::float8 AS from_kmh, count(*) AS vehicles,"
            "        avg(speed_kmh) AS mean_speed_kmh,"
            "        percentile_cont(0.85) WITHIN GROUP (ORDER BY speed_kmh) AS p85_speed_kmh"
            "   FROM p"
            " UNION ALL"
            " SELECT floor(speed_kmh / $4::float8) * $4::float8, count(*), NULL, NULL FROM p"
            " GROUP BY 1"
            " ORDER BY from_kmh NULLS FIRST");
  ASSERT_EQ(s.params.size(), 4u);
  EXPECT_EQ(s.params[0].value, "3");
  EXPECT_EQ(s.params[1].value, "1000");
  EXPECT_EQ(s.params[2].value, "2000");
  EXPECT_EQ(s.params[3].value, "2.5");

  // Without filters only the bin is a parameter.
  const PgStatement all = speed_histogram_statement(SpeedHistogramQuery{});
  EXPECT_TRUE(placeholders_match(all));
  ASSERT_EQ(all.params.size(), 1u);
  EXPECT_EQ(all.params[0].value, "10");
  EXPECT_TRUE(contains(all.sql, "FROM vehicle_passages WHERE speed_kmh IS NOT NULL)"));
  EXPECT_TRUE(contains(all.sql, "floor(speed_kmh / $1::float8) * $1::float8"));

  // Only an upper bound: the numbering follows.
  SpeedHistogramQuery until;
  until.to_ms = 5000;
  const PgStatement u = speed_histogram_statement(until);
  EXPECT_TRUE(placeholders_match(u));
  ASSERT_EQ(u.params.size(), 2u);
  EXPECT_EQ(u.params[0].value, "5000");
  EXPECT_TRUE(contains(u.sql, "speed_kmh IS NOT NULL AND entered_at < (TIMESTAMPTZ 'epoch' + $1"));
}

TEST(HistoryStatements, SnapshotAndAnalyticsTakeTheIdAsAParameter) {
  const PgStatement snapshot = violation_snapshot_statement(77);
  EXPECT_TRUE(placeholders_match(snapshot));
  EXPECT_EQ(snapshot.params[0].value, "77");
  const PgStatement analytics = source_analytics_statement(3);
  EXPECT_TRUE(placeholders_match(analytics));
  EXPECT_EQ(analytics.params[0].value, "3");
}

}  // namespace
}  // namespace rw::server

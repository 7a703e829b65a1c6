#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "db/events_to_rows.hpp"
#include "statement_checks.hpp"

namespace rw::server {
namespace {

using nlohmann::json;

EventEntry entry(const json &event, std::map<std::string, std::string> extra = {}) {
  EventEntry e{"1730000000123-0", {{"source_id", "3"}, {"run_id", "17"}, {"json", event.dump()}}};
  for (auto &[key, value] : extra) e.fields[key] = value;
  return e;
}

EventRows rows_of(const EventEntry &e) {
  auto result = events_to_rows(e);
  if (auto *why = std::get_if<std::string>(&result)) ADD_FAILURE() << *why;
  return std::holds_alternative<EventRows>(result) ? std::get<EventRows>(result) : EventRows{};
}

std::string reason_of(const EventEntry &e) {
  auto result = events_to_rows(e);
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "(no error)";
}

std::optional<std::string> param(const PgStatement &statement, std::size_t n) {
  return statement.params.at(n - 1).value;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

const json kEnter = {{"type", "enter"}, {"track_id", 5},      {"label", "car"},
                     {"zone", "roi"},   {"frame_number", 40}, {"pts_ns", 1333333333}};

TEST(EventsToRows, EnterInsertsThePassageOnceAndRebuildsItsMinute) {
  const EventRows rows = rows_of(entry(kEnter));
  EXPECT_EQ(rows.type, "enter");
  ASSERT_EQ(rows.statements.size(), 3u);
  for (const PgStatement &s : rows.statements) EXPECT_TRUE(placeholders_match(s));
  EXPECT_TRUE(contains(rows.statements[0].sql, "pg_advisory_xact_lock"));
  EXPECT_EQ(param(rows.statements[0], 1), "3");
  const PgStatement &insert = rows.statements[1];
  EXPECT_TRUE(contains(insert.sql, "INSERT INTO vehicle_passages"));
  EXPECT_TRUE(contains(insert.sql, "ON CONFLICT (session_id, track_id) DO NOTHING"));
  EXPECT_EQ(param(insert, 1), "17");
  EXPECT_EQ(param(insert, 2), "3");
  EXPECT_EQ(param(insert, 3), "5");
  EXPECT_EQ(param(insert, 4), "car");
  EXPECT_EQ(param(insert, 5), "1730000000123");  // the stream id's milliseconds
  const PgStatement &refresh = rows.statements[2];
  EXPECT_TRUE(contains(refresh.sql, "INSERT INTO traffic_metrics"));
  EXPECT_TRUE(contains(refresh.sql, "percentile_cont(0.85)"));
  EXPECT_TRUE(contains(refresh.sql, "ON CONFLICT (source_id, bucket_start, label) DO UPDATE"));
}

TEST(EventsToRows, TimeComesFromTheTsUnixMsFieldWhenPresent) {
  const EventRows rows = rows_of(entry(kEnter, {{"ts_unix_ms", "1700000000999"}}));
  ASSERT_EQ(rows.statements.size(), 3u);
  EXPECT_EQ(param(rows.statements[1], 5), "1700000000999");
}

TEST(EventsToRows, TrackWithoutLabelCountsAsUnknown) {
  json event = kEnter;
  event.erase("label");
  EXPECT_EQ(param(rows_of(entry(event)).statements[1], 4), "unknown");
}

TEST(EventsToRows, ExitSetsTheSpeedOnlyWhereNoneIsKnown) {
  const json exit = {{"type", "exit"},      {"track_id", 5},       {"label", "car"},
                     {"zone", "roi"},       {"dwell_s", 2.5},      {"speed_kmh", 61.25},
                     {"frame_number", 115}, {"pts_ns", 3833333333}};
  const EventRows rows = rows_of(entry(exit));
  ASSERT_EQ(rows.statements.size(), 3u);
  for (const PgStatement &s : rows.statements) EXPECT_TRUE(placeholders_match(s));
  const PgStatement &upsert = rows.statements[1];
  EXPECT_TRUE(contains(upsert.sql, "WHERE v.speed_kmh IS NULL"));
  EXPECT_EQ(param(upsert, 5), "1729999997623");  // entered dwell_s before the exit
  EXPECT_EQ(param(upsert, 6), "61.25");

  json no_speed = exit;
  no_speed.erase("speed_kmh");
  EXPECT_EQ(param(rows_of(entry(no_speed)).statements[1], 6), std::nullopt);
}

TEST(EventsToRows, SpeedingCarriesTheSnapshotBytes) {
  const json speeding = {{"type", "speeding"}, {"track_id", 5},       {"label", "car"},
                         {"speed_kmh", 75.5},  {"limit_kmh", 60},     {"zone", "roi"},
                         {"frame_number", 42}, {"pts_ns", 1400000000}};
  const std::string jpeg("\xff\xd8\xff\x00\x01jpeg\xff\xd9", 11);
  const EventRows rows = rows_of(entry(speeding, {{"jpeg", jpeg}}));
  ASSERT_EQ(rows.statements.size(), 3u);
  for (const PgStatement &s : rows.statements) EXPECT_TRUE(placeholders_match(s));
  const PgStatement &insert = rows.statements[1];
  EXPECT_TRUE(contains(insert.sql, "INSERT INTO speeding_violations"));
  EXPECT_TRUE(contains(insert.sql, "ON CONFLICT (session_id, track_id, zone, frame_number)"));
  EXPECT_EQ(param(insert, 4), "roi");
  EXPECT_EQ(param(insert, 5), "42");
  EXPECT_EQ(param(insert, 6), "1400000000");
  EXPECT_EQ(param(insert, 8), "75.5");
  EXPECT_EQ(std::stod(param(insert, 9).value_or("")), 60.0);
  EXPECT_EQ(param(insert, 11), jpeg);
  EXPECT_TRUE(insert.params[10].binary);
  EXPECT_FALSE(insert.params[3].binary);

  EXPECT_EQ(param(rows_of(entry(speeding)).statements[1], 11), std::nullopt);
}

TEST(EventsToRows, EndOfStreamReplacesTheRunSummary) {
  const json eos = {{"type", "end_of_stream"},
                    {"frame_number", 900},
                    {"pts_ns", 30000000000},
                    {"summary",
                     {{"total_vehicles", 12},
                      {"average_dwell_s", 3.25},
                      {"by_class", {{"car", 10}, {"truck", 2}}},
                      {"violations", 1}}}};
  const EventRows rows = rows_of(entry(eos));
  ASSERT_EQ(rows.statements.size(), 1u);
  const PgStatement &upsert = rows.statements[0];
  EXPECT_TRUE(placeholders_match(upsert));
  EXPECT_TRUE(contains(upsert.sql, "ON CONFLICT (session_id) DO UPDATE"));
  EXPECT_EQ(param(upsert, 3), "12");
  EXPECT_EQ(param(upsert, 4), "3.25");
  EXPECT_EQ(json::parse(*param(upsert, 5)), json({{"car", 10}, {"truck", 2}}));
  EXPECT_EQ(param(upsert, 6), "1");
}

TEST(EventsToRows, LineCrossStoresNothing) {
  const json cross = {{"type", "line_cross"},   {"track_id", 5},      {"line", "count"},
                      {"direction", "forward"}, {"frame_number", 50}, {"pts_ns", 1}};
  const EventRows rows = rows_of(entry(cross));
  EXPECT_EQ(rows.type, "line_cross");
  EXPECT_TRUE(rows.statements.empty());
}

TEST(EventsToRows, MalformedEntriesSayWhy) {
  EventEntry no_run = entry(kEnter);
  no_run.fields.erase("run_id");
  EXPECT_TRUE(contains(reason_of(no_run), "run_id")) << reason_of(no_run);

  EventEntry no_json = entry(kEnter);
  no_json.fields.erase("json");
  EXPECT_TRUE(contains(reason_of(no_json), "json"));

  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"run_id", "abc"}})), "run_id 'abc'"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"run_id", "0"}})), "run_id"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"source_id", "cam-1"}})), "source_id 'cam-1'"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"source_id", "99999999999"}})), "source_id"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"json", "{not json"}})), "not valid JSON"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"json", "[1,2]"}})), "not an object"));
  EXPECT_TRUE(contains(reason_of(entry(kEnter, {{"ts_unix_ms", "soon"}})), "time"));

  EventEntry bad_id = entry(kEnter);
  bad_id.id = "x-1";
  EXPECT_TRUE(contains(reason_of(bad_id), "time"));

  EXPECT_TRUE(contains(reason_of(entry(json{{"type", "teleport"}})), "unknown event type"));
  EXPECT_TRUE(contains(reason_of(entry(json{{"frame_number", 1}})), "no type"));

  json no_track = kEnter;
  no_track.erase("track_id");
  EXPECT_EQ(reason_of(entry(no_track)), "enter event: missing track_id");

  json fractional = kEnter;
  fractional["track_id"] = 1.5;
  EXPECT_TRUE(contains(reason_of(entry(fractional)), "track_id must be an integer"));

  json negative = {{"type", "speeding"}, {"track_id", 5},      {"speed_kmh", -3}, {"limit_kmh", 60},
                   {"zone", "roi"},      {"frame_number", 42}, {"pts_ns", 1}};
  EXPECT_TRUE(contains(reason_of(entry(negative)), "speed_kmh must be a number"));

  json bad_summary = {{"type", "end_of_stream"},
                      {"frame_number", 1},
                      {"pts_ns", 1},
                      {"summary",
                       {{"total_vehicles", 1},
                        {"average_dwell_s", 1},
                        {"by_class", {{"car", "many"}}},
                        {"violations", 0}}}};
  EXPECT_TRUE(contains(reason_of(entry(bad_summary)), "by_class.car"));
}

}  // namespace
}  // namespace rw::server

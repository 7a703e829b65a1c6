// The persister against a real redis-server and PostgreSQL: a scripted run's events become
// exactly the expected rows, replays and redeliveries change nothing, a PostgreSQL crash loses
// nothing, and entries that cannot be stored end in the dead letters.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "db/history.hpp"
#include "db/persister.hpp"
#include "db_test.hpp"
#include "redis_server.h"

namespace rw::server {
namespace {

using nlohmann::json;
using rw::control::Reply;

constexpr std::int64_t kMinute0 = 1730000040000;  // a whole minute: 2024-10-27T03:34:00Z
constexpr const char *kConsumer = "persist-test";

std::string jpeg_bytes() {
  std::string bytes = "\xff\xd8\xff\xe0";
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes + "\xff\xd9";
}

struct ScriptedEvent {
  std::int64_t offset_ms;
  json event;
  bool with_jpeg = false;
};

// One run of video 3 (session 17): cars 1 and 3 and truck 2 in the first minute, car 4 in the
// next; car 3 speeds.
std::vector<ScriptedEvent> scripted_run() {
  const auto enter = [](int track, const char *label, int frame) {
    return json{{"type", "enter"}, {"track_id", track},     {"label", label},
                {"zone", "roi"},   {"frame_number", frame}, {"pts_ns", frame * 33333333LL}};
  };
  const auto exit = [](int track, const char *label, int frame, double dwell_s,
                       std::optional<double> speed) {
    json e = {{"type", "exit"},
              {"track_id", track},
              {"label", label},
              {"zone", "roi"},
              {"dwell_s", dwell_s},
              {"frame_number", frame},
              {"pts_ns", frame * 33333333LL}};
    if (speed) e["speed_kmh"] = *speed;
    return e;
  };
  return {
      {1000, enter(1, "car", 30)},
      {2000, enter(2, "truck", 60)},
      {3000, enter(3, "car", 90)},
      {5000, exit(1, "car", 150, 4.0, 50.0)},
      {6000, exit(2, "truck", 180, 4.0, 70.0)},
      {7000,
       {{"type", "speeding"},
        {"track_id", 3},
        {"label", "car"},
        {"speed_kmh", 90.0},
        {"limit_kmh", 60.0},
        {"zone", "roi"},
        {"frame_number", 200},
        {"pts_ns", 6666666600LL}},
       true},
      {8000, exit(3, "car", 240, 5.0, 80.0)},
      {61000, enter(4, "car", 1830)},
      {65000, exit(4, "car", 1950, 4.0, std::nullopt)},
      {66000,
       {{"type", "line_cross"},
        {"track_id", 4},
        {"label", "car"},
        {"line", "count"},
        {"direction", "forward"},
        {"frame_number", 1980},
        {"pts_ns", 66000000000LL}}},
      {70000,
       {{"type", "end_of_stream"},
        {"frame_number", 2100},
        {"pts_ns", 70000000000LL},
        {"summary",
         {{"total_vehicles", 4},
          {"average_dwell_s", 4.25},
          {"by_class", {{"car", 3}, {"truck", 1}}},
          {"violations", 1}}}}},
  };
}

constexpr int kScriptedEntries = 11;
constexpr int kScriptedStored = 10;  // the line_cross has nothing to store

class PersisterTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    ASSERT_TRUE(redis_.start()) << redis_.error();
    endpoint_.port = redis_.port();
  }

  void TearDown() override {
    persister_.reset();
    DbTest::TearDown();
  }

  Persister &start_persister(PersisterConfig config = {}) {
    config.context = context_;
    if (config.consumer.empty()) config.consumer = kConsumer;
    persister_ = std::make_unique<Persister>(endpoint_, "roadwatch", *pg_, metrics_, config);
    persister_->start();
    return *persister_;
  }

  std::string xadd(const std::map<std::string, std::string> &fields) {
    std::vector<std::string> argv = {"XADD", "roadwatch:events", "*"};
    for (const auto &[field, value] : fields) {
      argv.push_back(field);
      argv.push_back(value);
    }
    const Reply reply = redis_.reply(argv);
    EXPECT_NE(reply.type, Reply::Type::kError) << reply.text;
    return reply.text;
  }

  void add_scripted_run() {
    for (const ScriptedEvent &e : scripted_run()) {
      std::map<std::string, std::string> fields = {
          {"source_id", "3"},
          {"run_id", "17"},
          {"json", e.event.dump()},
          {"ts_unix_ms", std::to_string(kMinute0 + e.offset_ms)}};
      if (e.with_jpeg) fields["jpeg"] = jpeg_bytes();
      xadd(fields);
    }
  }

  long long status(const char *key) {
    const json value = persister_->status_json()[key];
    return value.is_number() ? value.get<long long>() : -1;
  }

  // Entries of the group not acked yet (XPENDING summary).
  long long pending() {
    const Reply reply = redis_.reply({"XPENDING", "roadwatch:events", "persist"});
    return reply.elements.empty() ? -1 : reply.elements[0].integer;
  }

  // Every entry of the stream delivered to the group and acked.
  bool all_acked() {
    const Reply groups = redis_.reply({"XINFO", "GROUPS", "roadwatch:events"});
    if (groups.elements.size() != 1) return false;
    std::map<std::string, const Reply *> fields;
    for (std::size_t i = 0; i + 1 < groups.elements[0].elements.size(); i += 2)
      fields[groups.elements[0].elements[i].text] = &groups.elements[0].elements[i + 1];
    return fields.count("lag") && fields["lag"]->type == Reply::Type::kInteger &&
           fields["lag"]->integer == 0 && fields["pending"]->integer == 0;
  }

  // The rows the scripted run must leave, whatever happened on the way.
  void expect_scripted_rows() {
    EXPECT_EQ(value("SELECT string_agg(track_id || ':' || label || ':' ||"
                    " coalesce(speed_kmh::text, '-') || ':' ||"
                    " (extract(epoch FROM entered_at) * 1000)::bigint, ' ' ORDER BY track_id)"
                    " FROM vehicle_passages"),
              "1:car:50:" + std::to_string(kMinute0 + 1000) + " 2:truck:70:" +
                  std::to_string(kMinute0 + 2000) + " 3:car:80:" + std::to_string(kMinute0 + 3000) +
                  " 4:car:-:" + std::to_string(kMinute0 + 61000));
    const auto violations =
        sql("SELECT session_id, source_id, track_id, zone, frame_number, pts_ns, label,"
            " speed_kmh, limit_kmh, (extract(epoch FROM occurred_at) * 1000)::bigint,"
            " encode(snapshot, 'hex') = encode($1::bytea, 'hex')"
            " FROM speeding_violations",
            {rw::test::bytea_text(jpeg_bytes())});
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0],
              (rw::test::PgCluster::Row{"17", "3", "3", "roi", "200", "6666666600", "car", "90",
                                        "60", std::to_string(kMinute0 + 7000), "t"}));
    // p85 of cars {50, 80}: 50 + 0.85 * 30 = 75.5.
    EXPECT_EQ(value("SELECT string_agg((extract(epoch FROM bucket_start) * 1000)::bigint"
                    " || ':' || label || ':' || vehicle_count || ':' || speed_count || ':' ||"
                    " speed_sum_kmh || ':' || coalesce(speed_p85_kmh::text, '-') || ':' ||"
                    " violations, ' ' ORDER BY bucket_start, label)"
                    " FROM traffic_metrics WHERE source_id = 3"),
              std::to_string(kMinute0) + ":car:2:2:130:75.5:1 " + std::to_string(kMinute0) +
                  ":truck:1:1:70:70:0 " + std::to_string(kMinute0 + 60000) + ":car:1:0:0:-:0");
    EXPECT_EQ(value("SELECT session_id || ':' || video_id || ':' || total_vehicles_count ||"
                    " ':' || avg_dwell_time || ':' || vehicle_type_distribution::text || ':' ||"
                    " violations || ':' || (extract(epoch FROM processed_at) * 1000)::bigint"
                    " FROM video_analytics"),
              "17:3:4:4.25:{\"car\": 3, \"truck\": 1}:1:" + std::to_string(kMinute0 + 70000));
  }

  rw::test::RedisServer redis_;
  rw::publish::RedisEndpoint endpoint_;
  Metrics metrics_;
  std::unique_ptr<Persister> persister_;
};

TEST_F(PersisterTest, ScriptedRunBecomesExactlyTheExpectedRows) {
  add_scripted_run();
  start_persister();
  ASSERT_TRUE(wait([&] { return status("stored") == kScriptedStored && status("skipped") == 1; }))
      << persister_->status_json().dump();
  ASSERT_TRUE(wait([&] { return all_acked(); }));
  EXPECT_EQ(status("dead_lettered"), 0);
  expect_scripted_rows();

  // The history API reads the same rows back: one-minute windows of video 3.
  TimeseriesQuery query;
  query.source_id = 3;
  query.window = "1min";
  query.window_ms = 60000;
  query.from_ms = kMinute0;
  query.to_ms = kMinute0 + 120000;
  std::optional<std::variant<json, ApiError>> answer;
  timeseries(*pg_, query, [&](std::variant<json, ApiError> a) { answer = std::move(a); });
  ASSERT_TRUE(wait([&] { return answer.has_value(); }));
  ASSERT_TRUE(std::holds_alternative<json>(*answer)) << std::get<ApiError>(*answer).message;
  const json &buckets = std::get<json>(*answer)["buckets"];
  ASSERT_EQ(buckets.size(), 2u) << buckets.dump();
  EXPECT_EQ(buckets[0]["vehicles"], 3);
  EXPECT_EQ(buckets[0]["by_class"], json({{"car", 2}, {"truck", 1}}));
  EXPECT_EQ(buckets[0]["mean_speed_kmh"], 66.67);  // (50 + 70 + 80) / 3
  EXPECT_EQ(buckets[0]["p85_speed_kmh"], 77.0);    // of {50, 70, 80}: 70 + 0.7 * 10
  EXPECT_EQ(buckets[0]["violations"], 1);
  EXPECT_EQ(buckets[1]["vehicles"], 1);
  EXPECT_TRUE(buckets[1]["mean_speed_kmh"].is_null());
}

TEST_F(PersisterTest, ReplaysAndRedeliveriesStoreEachRowOnce) {
  add_scripted_run();
  // Everything is already pending on our consumer (as after a crash before any XACK): it is
  // read again with ID 0 first.
  ASSERT_EQ(redis_.command({"XGROUP", "CREATE", "roadwatch:events", "persist", "0"}), "OK");
  redis_.reply({"XREADGROUP", "GROUP", "persist", kConsumer, "STREAMS", "roadwatch:events", ">"});
  ASSERT_EQ(pending(), kScriptedEntries);
  start_persister();
  ASSERT_TRUE(wait([&] { return all_acked(); })) << persister_->status_json().dump();
  expect_scripted_rows();

  // redissink sending every entry again (new stream ids, same content) ...
  add_scripted_run();
  // ... and the whole stream delivered to the group once more.
  ASSERT_TRUE(wait([&] { return all_acked(); }));
  ASSERT_EQ(redis_.command({"XGROUP", "SETID", "roadwatch:events", "persist", "0"}), "OK");
  ASSERT_TRUE(wait([&] { return status("stored") >= 4 * kScriptedStored && all_acked(); }))
      << persister_->status_json().dump();
  EXPECT_EQ(status("dead_lettered"), 0);
  expect_scripted_rows();
  EXPECT_EQ(value("SELECT count(*) FROM vehicle_passages"), "4");
  EXPECT_EQ(value("SELECT count(*) FROM speeding_violations"), "1");
  EXPECT_EQ(value("SELECT count(*) FROM video_analytics"), "1");
  EXPECT_EQ(value("SELECT count(*) FROM traffic_metrics"), "3");
}

TEST_F(PersisterTest, PostgresCrashMidStreamLosesAndDuplicatesNothing) {
  add_scripted_run();
  start_persister();
  ASSERT_TRUE(wait([&] { return status("stored") >= 3; }));
  cluster_->kill();  // with the rest of the run queued or in flight
  ASSERT_TRUE(wait([&] { return !pg_->ready(); }));
  // While it is down nothing more is stored, and nothing is acked that was not.
  ASSERT_TRUE(wait([&] { return persister_->status_json()["state"] == "waiting_for_database"; }))
      << persister_->status_json().dump();
  EXPECT_FALSE(all_acked());
  ASSERT_TRUE(cluster_->start()) << cluster_->error();
  ASSERT_TRUE(wait([&] { return all_acked(); })) << persister_->status_json().dump();
  EXPECT_EQ(status("dead_lettered"), 0);
  expect_scripted_rows();
}

TEST_F(PersisterTest, UnstorableEntriesGoToTheDeadLettersAndAreAcked) {
  start_persister();
  ASSERT_TRUE(wait([&] { return persister_->status_json()["state"] == "reading"; }));
  const std::string enter =
      json{{"type", "enter"}, {"track_id", 9}, {"zone", "roi"}, {"frame_number", 1}, {"pts_ns", 1}}
          .dump();
  xadd({{"source_id", "3"}, {"run_id", "17"}, {"json", "{broken"}});
  xadd({{"source_id", "3"}, {"json", enter}});
  xadd({{"source_id", "3"}, {"run_id", "999"}, {"json", enter}});  // no such session
  xadd({{"source_id", "4"}, {"run_id", "17"}, {"json", enter}});   // session of another source
  xadd({{"source_id", "3"}, {"run_id", "17"}, {"json", enter}});
  ASSERT_TRUE(wait([&] { return status("dead_lettered") == 4 && status("stored") == 1; }))
      << persister_->status_json().dump();
  ASSERT_TRUE(wait([&] { return all_acked(); }));
  EXPECT_EQ(value("SELECT count(*) FROM vehicle_passages"), "1");

  const Reply dead = redis_.reply({"XRANGE", "roadwatch:events:dead", "-", "+"});
  ASSERT_EQ(dead.elements.size(), 4u);
  std::vector<std::string> reasons;
  for (const Reply &entry : dead.elements) {
    const auto fields = rw::control::to_hash(entry.elements[1]);
    EXPECT_EQ(fields.count("original_id"), 1u);
    EXPECT_EQ(fields.count("json"), 1u);  // the original fields travel along
    reasons.push_back(fields.at("reason"));
  }
  EXPECT_NE(reasons[0].find("not valid JSON"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("run_id"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("refused"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[2].find("foreign key"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[3].find("refused"), std::string::npos) << reasons[3];
}

TEST_F(PersisterTest, EntryDeliveredTooOftenIsDeadLettered) {
  const std::string id = xadd(
      {{"source_id", "3"},
       {"run_id", "17"},
       {"json",
        json{
            {"type", "enter"}, {"track_id", 9}, {"zone", "roi"}, {"frame_number", 1}, {"pts_ns", 1}}
            .dump()}});
  ASSERT_EQ(redis_.command({"XGROUP", "CREATE", "roadwatch:events", "persist", "0"}), "OK");
  redis_.reply({"XREADGROUP", "GROUP", "persist", kConsumer, "STREAMS", "roadwatch:events", ">"});
  for (int i = 0; i < 5; ++i)  // as if five servers had crashed while storing it
    redis_.reply({"XCLAIM", "roadwatch:events", "persist", kConsumer, "0", id});
  start_persister();
  ASSERT_TRUE(wait([&] { return status("dead_lettered") == 1; }))
      << persister_->status_json().dump();
  ASSERT_TRUE(wait([&] { return all_acked(); }));
  const Reply dead = redis_.reply({"XRANGE", "roadwatch:events:dead", "-", "+"});
  ASSERT_EQ(dead.elements.size(), 1u);
  EXPECT_NE(rw::control::to_hash(dead.elements[0].elements[1]).at("reason").find("delivered"),
            std::string::npos);
  EXPECT_EQ(value("SELECT count(*) FROM vehicle_passages"), "0");
}

TEST_F(PersisterTest, TakesOverEntriesOfAConsumerThatDied) {
  add_scripted_run();
  ASSERT_EQ(redis_.command({"XGROUP", "CREATE", "roadwatch:events", "persist", "0"}), "OK");
  redis_.reply(
      {"XREADGROUP", "GROUP", "persist", "persist-dead-host", "STREAMS", "roadwatch:events", ">"});
  PersisterConfig config;
  config.claim_idle = std::chrono::milliseconds(300);
  config.claim_interval = std::chrono::milliseconds(100);
  start_persister(config);
  ASSERT_TRUE(wait([&] { return all_acked(); })) << persister_->status_json().dump();
  expect_scripted_rows();
}

TEST_F(PersisterTest, RedisRestartThatLostTheGroupIsSurvived) {
  start_persister();
  ASSERT_TRUE(wait([&] { return persister_->status_json()["state"] == "reading"; }));
  redis_.kill();
  ASSERT_TRUE(redis_.start()) << redis_.error();  // empty: stream and group are gone
  add_scripted_run();
  ASSERT_TRUE(wait([&] { return status("stored") == kScriptedStored && all_acked(); }))
      << persister_->status_json().dump();
  expect_scripted_rows();
}

TEST_F(PersisterTest, StatusReportsPendingAndLag) {
  PersisterConfig config;
  config.claim_interval = std::chrono::milliseconds(100);
  start_persister(config);
  add_scripted_run();
  ASSERT_TRUE(wait([&] { return all_acked(); }));
  ASSERT_TRUE(wait([&] { return status("pending") == 0 && status("lag") == 0; }))
      << persister_->status_json().dump();
  const std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("rw_persister_events_total{result=\"stored\"} 10"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("rw_persister_pending 0"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace rw::server

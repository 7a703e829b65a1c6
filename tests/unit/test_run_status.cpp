// roadwatch-run's status hash fields, its live config decisions and its meters.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "live_config.hpp"
#include "meters.hpp"
#include "status.hpp"

namespace {

using namespace std::chrono_literals;
using rw::run::ConfigDecision;
using rw::run::LiveConfig;

TEST(RunStatus, FieldsInOrderAndFormat) {
  rw::run::Status s;
  s.state = rw::run::RunState::kReconnecting;
  s.reason = "stall: no frame for 10 s";
  s.fps = 14.96;
  s.latency_ms = 101.04;
  s.frames = 341;
  s.errors = 2;
  s.warnings = 1;
  s.last_error = "src: Could not open resource";
  s.restarts = 3;
  s.config_version = "7";
  s.updated_ms = 1730000000123;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"state", "reconnecting"},
      {"reason", "stall: no frame for 10 s"},
      {"fps", "15.0"},
      {"latency_ms", "101.0"},
      {"frames", "341"},
      {"errors", "2"},
      {"warnings", "1"},
      {"last_error", "src: Could not open resource"},
      {"restarts", "3"},
      {"config_version", "7"},
      {"updated_ms", "1730000000123"}};
  EXPECT_EQ(rw::run::status_fields(s), expected);
  s.latency_ms.reset();
  EXPECT_EQ(rw::run::status_fields(s)[3].second, "") << "no frame in the period";
  for (const auto &[state, text] : {std::pair{rw::run::RunState::kStarting, "starting"},
                                    {rw::run::RunState::kRunning, "running"},
                                    {rw::run::RunState::kStopped, "stopped"},
                                    {rw::run::RunState::kFailed, "failed"}}) {
    EXPECT_EQ(rw::run::to_string(state), text);
  }
}

constexpr const char *kZones =
    R"({"zones": [{"name": "roi", "polygon": [[0, 0], [100, 0], [100, 100]]}]})";
constexpr const char *kOtherZones =
    R"({"lines": [{"name": "count", "points": [[0, 50], [100, 50]]}]})";
constexpr const char *kCalibration = R"({"homography": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]})";

TEST(RunLiveConfig, NothingWithoutANewVersion) {
  const LiveConfig applied{"3", kZones, 50.0, {}};
  EXPECT_EQ(rw::run::decide({}, applied, "3").action, ConfigDecision::Action::kNone);
  EXPECT_EQ(rw::run::decide({{"zones", kOtherZones}}, applied, "3").action,
            ConfigDecision::Action::kNone)
      << "no version: the server is still writing the hash";
  EXPECT_EQ(rw::run::decide({{"version", "3"}, {"speed_limit", "90"}}, applied, "3").action,
            ConfigDecision::Action::kNone);
}

// Only what changed is applied; fields left out keep their values.
TEST(RunLiveConfig, AppliesTheFieldsThatChanged) {
  const LiveConfig applied{"3", kZones, 50.0, {}};
  const auto d = rw::run::decide({{"version", "4"},
                                  {"zones", kZones},
                                  {"speed_limit", "60.5"},
                                  {"calibration", kCalibration},
                                  {"ignored", "x"}},
                                 applied, "3");
  ASSERT_EQ(d.action, ConfigDecision::Action::kApply) << d.error;
  EXPECT_EQ(d.change.version, "4");
  EXPECT_FALSE(d.change.zones_json) << "unchanged";
  EXPECT_EQ(d.change.speed_limit, 60.5);
  EXPECT_EQ(d.change.calibration_json, kCalibration);
  const LiveConfig now = rw::run::merged(applied, d.change);
  EXPECT_EQ(now.version, "4");
  EXPECT_EQ(now.zones_json, kZones);
  EXPECT_EQ(now.speed_limit, 60.5);
  EXPECT_EQ(now.calibration_json, kCalibration);
  // A new version with one field: the others stay.
  const auto next = rw::run::decide({{"version", "5"}, {"zones", kOtherZones}}, now, "4");
  ASSERT_EQ(next.action, ConfigDecision::Action::kApply);
  const LiveConfig after = rw::run::merged(now, next.change);
  EXPECT_EQ(after.zones_json, kOtherZones);
  EXPECT_EQ(after.speed_limit, 60.5);
}

// "none" removes the zones or the calibration of a running source (the elements take it as
// "not configured"); it is accepted without a parser, which would reject it.
TEST(RunLiveConfig, NoneClearsZonesAndCalibration) {
  const LiveConfig applied{"1", kZones, 50.0, kCalibration};
  const auto d =
      rw::run::decide({{"version", "2"}, {"zones", "none"}, {"calibration", "none"}}, applied, "1");
  ASSERT_EQ(d.action, ConfigDecision::Action::kApply) << d.error;
  EXPECT_EQ(d.change.zones_json, "none");
  EXPECT_EQ(d.change.calibration_json, "none");
  EXPECT_FALSE(d.change.speed_limit);
  EXPECT_EQ(rw::run::decide({{"version", "3"}, {"zones", "None"}}, applied, "2").action,
            ConfigDecision::Action::kReject)
      << "only the exact word";
}

// One bad field rejects the whole version, naming the field; it is not retried.
TEST(RunLiveConfig, RejectsInvalidVersionsWhole) {
  const LiveConfig applied{"1", kZones, 50.0, {}};
  const std::map<std::string, std::string> bad[] = {
      {{"version", "2"}, {"zones", "{\"zones\": ["}, {"speed_limit", "70"}},
      {{"version", "2"}, {"zones", R"({"zones": [{"name": "a", "polygon": [[0, 0]]}]})"}},
      {{"version", "2"}, {"speed_limit", "fast"}},
      {{"version", "2"}, {"speed_limit", "-5"}},
      {{"version", "2"}, {"speed_limit", "nan"}},
      {{"version", "2"}, {"calibration", R"({"image_points": [[0, 0]]})"}},
  };
  const char *names[] = {"zones",       "zones",       "speed_limit",
                         "speed_limit", "speed_limit", "calibration"};
  for (std::size_t i = 0; i < std::size(bad); ++i) {
    const auto d = rw::run::decide(bad[i], applied, "1");
    ASSERT_EQ(d.action, ConfigDecision::Action::kReject) << i;
    EXPECT_EQ(d.change.version, "2");
    EXPECT_FALSE(d.change.zones_json || d.change.speed_limit || d.change.calibration_json);
    EXPECT_NE(d.error.find("config version 2 rejected"), std::string::npos) << d.error;
    EXPECT_NE(d.error.find(names[i]), std::string::npos) << d.error;
    EXPECT_EQ(rw::run::decide(bad[i], applied, "2").action, ConfigDecision::Action::kNone);
  }
}

TEST(RunMeters, LatencyMatchesFramesByPts) {
  rw::run::LatencyMeter meter;
  const auto t0 = rw::run::SteadyClock::time_point(100s);
  EXPECT_FALSE(meter.take_mean_ms());
  meter.enter(0, t0);
  meter.enter(33, t0 + 10ms);
  meter.enter(66, t0 + 20ms);
  meter.leave(0, t0 + 100ms);   // 100 ms
  meter.leave(66, t0 + 70ms);   // 50 ms; 33 never left (dropped on the way)
  meter.leave(33, t0 + 200ms);  // gone: forgotten when 66 left
  meter.leave(999, t0 + 1s);    // never entered
  EXPECT_DOUBLE_EQ(*meter.take_mean_ms(), 75.0);
  EXPECT_FALSE(meter.take_mean_ms()) << "each period starts empty";
  meter.enter(5, t0);
  meter.reset();
  meter.leave(5, t0 + 1s);
  EXPECT_FALSE(meter.take_mean_ms());
}

TEST(RunMeters, LatencyForgetsFramesThatNeverLeave) {
  rw::run::LatencyMeter meter;
  const auto t0 = rw::run::SteadyClock::time_point(0s);
  for (int i = 0; i < 10000; ++i) meter.enter(i, t0);
  meter.leave(0, t0 + 1s);
  EXPECT_FALSE(meter.take_mean_ms()) << "the oldest were dropped to keep it bounded";
  meter.leave(9999, t0 + 1s);
  EXPECT_DOUBLE_EQ(*meter.take_mean_ms(), 1000.0);
}

TEST(RunMeters, RateOverTheLastPeriod) {
  rw::run::RateMeter rate;
  const auto t0 = rw::run::SteadyClock::time_point(10s);
  EXPECT_EQ(rate.rate(100, t0), 0.0);
  EXPECT_DOUBLE_EQ(rate.rate(130, t0 + 2s), 15.0);
  EXPECT_DOUBLE_EQ(rate.rate(130, t0 + 3s), 0.0);
  EXPECT_DOUBLE_EQ(rate.rate(160, t0 + 3500ms), 60.0);
}

}  // namespace

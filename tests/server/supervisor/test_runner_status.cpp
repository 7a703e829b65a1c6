// The runner's status hash, how it updates a session, and when that is written.
#include <gtest/gtest.h>

#include "supervisor/runner_status.hpp"

namespace rw::server {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> running_hash() {
  return {{"state", "running"},
          {"reason", ""},
          {"fps", "14.9"},
          {"latency_ms", "101.0"},
          {"frames", "120"},
          {"errors", "1"},
          {"warnings", "2"},
          {"last_error", "boom"},
          {"restarts", "2"},
          {"config_version", "7"},
          {"updated_ms", "1730000000123"}};
}

Session running_session() {
  Session s;
  s.id = 1;
  s.state = SessionState::kStarting;
  s.reason = "roadwatch-run started";
  s.restarts = 1;
  return s;
}

TEST(RunnerStatus, ParsesEveryField) {
  const auto status = parse_runner_status(running_hash());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SessionState::kRunning);
  EXPECT_DOUBLE_EQ(status->fps, 14.9);
  EXPECT_EQ(status->latency_ms, 101.0);
  EXPECT_EQ(status->frames, 120);
  EXPECT_EQ(status->errors, 1);
  EXPECT_EQ(status->restarts, 2);
  EXPECT_EQ(status->last_error, "boom");
  EXPECT_EQ(status->config_version, 7);
  EXPECT_EQ(status->updated_ms, 1730000000123);
}

TEST(RunnerStatus, EmptyHashIsNoStatusAndBadFieldsReadAsUnknown) {
  EXPECT_EQ(parse_runner_status({}), std::nullopt);
  auto hash = running_hash();
  hash["state"] = "dancing";
  hash["frames"] = "12abc";
  hash["latency_ms"] = "";
  hash["config_version"] = "";
  const auto status = parse_runner_status(hash);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, std::nullopt);
  EXPECT_EQ(status->frames, 0);
  EXPECT_EQ(status->latency_ms, std::nullopt);
  EXPECT_EQ(status->config_version, std::nullopt);
  EXPECT_EQ(status->errors, 1);  // the others still count
}

TEST(RunnerStatus, OnlyUpdatesSinceTheChildStartedAreCurrent) {
  RunnerStatus status;
  status.updated_ms = 10'000;
  EXPECT_TRUE(status_is_current(status, 10'000));
  EXPECT_TRUE(status_is_current(status, 10'500));   // the same instant, within clock slack
  EXPECT_FALSE(status_is_current(status, 20'000));  // an earlier runner's
}

TEST(ApplyRunnerStatus, LiveStatesAndCountersWithRestartsAdded) {
  Session s = running_session();
  apply_runner_status(s, *parse_runner_status(running_hash()), 1, 4);
  EXPECT_EQ(s.state, SessionState::kRunning);
  EXPECT_EQ(s.reason, "");
  EXPECT_DOUBLE_EQ(s.fps, 14.9);
  EXPECT_DOUBLE_EQ(s.latency_ms, 101.0);
  EXPECT_EQ(s.frames, 120);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.restarts, 3);  // 1 by the server + 2 rebuilds by the runner
  EXPECT_EQ(s.last_error, "boom");
  EXPECT_EQ(s.config_version, 7);
}

TEST(ApplyRunnerStatus, FinalStatesWaitForTheExitAndStopsKeepTheirState) {
  auto hash = running_hash();
  hash["state"] = "stopped";
  hash["reason"] = "end of stream";
  hash["frames"] = "341";
  Session s = running_session();
  s.state = SessionState::kRunning;
  apply_runner_status(s, *parse_runner_status(hash), 0, 4);
  EXPECT_EQ(s.state, SessionState::kRunning);
  EXPECT_EQ(s.frames, 341);

  hash["state"] = "reconnecting";
  s.desired_running = false;  // being stopped
  apply_runner_status(s, *parse_runner_status(hash), 0, 4);
  EXPECT_EQ(s.state, SessionState::kRunning);
}

TEST(ApplyRunnerStatus, EmptyErrorKeepsTheLastOneAndNoVersionMeansTheFiles) {
  auto hash = running_hash();
  hash["last_error"] = "";
  hash["config_version"] = "";
  hash["latency_ms"] = "";
  Session s = running_session();
  s.last_error = "restarted after a crash";
  s.latency_ms = 50;
  apply_runner_status(s, *parse_runner_status(hash), 0, 4);
  EXPECT_EQ(s.last_error, "restarted after a crash");
  EXPECT_EQ(s.config_version, 4);
  EXPECT_DOUBLE_EQ(s.latency_ms, 0);  // nothing published in the period
}

TEST(WriteDue, StateChangesAtOnceCountersAtMostEveryPeriod) {
  const Session written = running_session();
  Session current = written;
  EXPECT_FALSE(write_due(written, current, 1h));  // nothing changed

  current.frames = 10;
  current.fps = 10;
  EXPECT_FALSE(write_due(written, current, 1s));
  EXPECT_TRUE(write_due(written, current, 5s));

  current = written;
  current.state = SessionState::kRunning;
  EXPECT_TRUE(write_due(written, current, 0ms));
  current = written;
  current.errors = 1;
  EXPECT_TRUE(write_due(written, current, 0ms));
  current = written;
  current.desired_running = false;
  EXPECT_TRUE(write_due(written, current, 0ms));
  current = written;
  current.config_version = 9;  // not a column
  EXPECT_FALSE(write_due(written, current, 1h));
}

}  // namespace
}  // namespace rw::server

// What happens when a runner ends.
#include <gtest/gtest.h>

#include <csignal>

#include "supervisor/restart_policy.hpp"

namespace rw::server {
namespace {

using Action = ExitDecision::Action;

const ChildExit kExit0{ChildExit::Kind::kExited, 0};
const ChildExit kExit1{ChildExit::Kind::kExited, 1};
const ChildExit kExit2{ChildExit::Kind::kExited, 2};
const ChildExit kKilled{ChildExit::Kind::kSignaled, SIGKILL};
const ChildExit kVanished{ChildExit::Kind::kVanished, 0};

RunnerStatus final_status(SessionState state, std::string reason, std::int64_t frames) {
  RunnerStatus status;
  status.state = state;
  status.reason = std::move(reason);
  status.frames = frames;
  return status;
}

ExitFacts camera() {
  ExitFacts facts;
  facts.kind = SourceKind::kCamera;
  return facts;
}

TEST(RestartPolicy, CleanEndIsStoppedWithTheRunnersReason) {
  ExitFacts facts;
  facts.final_status = final_status(SessionState::kStopped, "end of stream", 341);
  ExitDecision d = decide_after_exit(kExit0, facts);
  EXPECT_EQ(d.action, Action::kFinish);
  EXPECT_EQ(d.state, SessionState::kStopped);
  EXPECT_EQ(d.reason, "end of stream");
  EXPECT_EQ(d.error, "");

  facts.final_status.reset();  // Redis gone: still a clean end
  d = decide_after_exit(kExit0, facts);
  EXPECT_EQ(d.state, SessionState::kStopped);
  EXPECT_EQ(d.reason, "end of stream");

  facts.final_status = final_status(SessionState::kStopped, "stopped by SIGTERM", 10);
  EXPECT_EQ(decide_after_exit(kExit0, facts).reason, "stopped by SIGTERM");
}

TEST(RestartPolicy, OperatorStopWinsWhateverTheExit) {
  for (const ChildExit &exit : {kExit0, kExit1, kKilled, kVanished}) {
    ExitFacts facts = camera();
    facts.stop_requested = true;
    const ExitDecision d = decide_after_exit(exit, facts);
    EXPECT_EQ(d.action, Action::kFinish);
    EXPECT_EQ(d.state, SessionState::kStopped);
    EXPECT_EQ(d.reason, "stopped by operator");
  }
}

TEST(RestartPolicy, BadVariablesFailAtOnceWithTheRunnersMessage) {
  ExitFacts facts = camera();
  facts.log_message = "unknown variables: FOO (the template uses INPUT, MODEL)";
  const ExitDecision d = decide_after_exit(kExit2, facts);
  EXPECT_EQ(d.action, Action::kFinish);
  EXPECT_EQ(d.state, SessionState::kFailed);
  EXPECT_EQ(d.reason,
            "bad template or variables: unknown variables: FOO (the template uses INPUT, MODEL)");
  EXPECT_EQ(d.error, d.reason);
  facts.log_message.clear();
  EXPECT_NE(decide_after_exit(kExit2, facts).reason.find("status 2"), std::string::npos);
}

TEST(RestartPolicy, VideoThatFailedIsNotRerun) {
  ExitFacts facts;
  facts.final_status = final_status(SessionState::kFailed, "yolodetect: truncated file", 120);
  const ExitDecision d = decide_after_exit(kExit1, facts);
  EXPECT_EQ(d.action, Action::kFinish);
  EXPECT_EQ(d.state, SessionState::kFailed);
  EXPECT_EQ(d.reason, "yolodetect: truncated file");
}

TEST(RestartPolicy, KilledVideoRestartsButAtMostMaxFailuresTimes) {
  ExitFacts facts;
  facts.log_message = "yolodetect: frame 120";  // whatever it printed last: not why it died
  facts.published_frames = true;                // progress does not reset a video's count
  facts.max_failures = 3;
  ExitDecision d = decide_after_exit(kKilled, facts);
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_EQ(d.state, SessionState::kStarting);
  EXPECT_EQ(d.reason, "restarted after roadwatch-run killed by signal 9 (SIGKILL)");
  EXPECT_EQ(d.failures_in_a_row, 1);
  EXPECT_FALSE(d.progressed);
  facts.failures_in_a_row = 2;
  d = decide_after_exit(kKilled, facts);
  EXPECT_EQ(d.action, Action::kFinish);
  EXPECT_EQ(d.state, SessionState::kFailed);
  EXPECT_EQ(d.reason,
            "gave up after 3 failures of this video's run: roadwatch-run killed by signal 9 "
            "(SIGKILL)");
}

TEST(RestartPolicy, CameraGivesUpAfterMaxFailuresWithoutAFrame) {
  ExitFacts facts = camera();
  facts.max_failures = 5;
  facts.log_message = "failed: yolodetect: cannot open model";
  for (int before = 0; before < 4; ++before) {
    facts.failures_in_a_row = before;
    const ExitDecision d = decide_after_exit(kExit1, facts);
    EXPECT_EQ(d.action, Action::kRestart) << before;
    EXPECT_EQ(d.failures_in_a_row, before + 1);
    EXPECT_EQ(d.reason,
              "restarted after roadwatch-run exited with status 1: failed: yolodetect: cannot "
              "open model");
  }
  facts.failures_in_a_row = 4;
  const ExitDecision d = decide_after_exit(kExit1, facts);
  EXPECT_EQ(d.action, Action::kFinish);
  EXPECT_EQ(d.state, SessionState::kFailed);
  EXPECT_EQ(d.reason.rfind("gave up after 5 failures in a row without a frame: ", 0), 0u)
      << d.reason;
}

TEST(RestartPolicy, CameraThatPublishedStartsCountingAgain) {
  ExitFacts facts = camera();
  facts.failures_in_a_row = 4;
  facts.published_frames = true;
  const ExitDecision d = decide_after_exit(kKilled, facts);
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_EQ(d.failures_in_a_row, 1);
  EXPECT_TRUE(d.progressed);
}

TEST(RestartPolicy, VanishedRunnerIsJudgedByItsLastStatus) {
  ExitFacts facts;
  facts.final_status = final_status(SessionState::kStopped, "end of stream", 341);
  EXPECT_EQ(decide_after_exit(kVanished, facts).state, SessionState::kStopped);
  facts.final_status = final_status(SessionState::kFailed, "src: not found", 0);
  ExitDecision d = decide_after_exit(kVanished, facts);
  EXPECT_EQ(d.state, SessionState::kFailed);
  EXPECT_EQ(d.reason, "src: not found");
  facts.final_status = final_status(SessionState::kRunning, "", 100);  // it just died
  d = decide_after_exit(kVanished, facts);
  EXPECT_EQ(d.action, Action::kRestart);
  EXPECT_NE(d.reason.find("not the server's child"), std::string::npos) << d.reason;
}

TEST(RestartPolicy, CrashSaysWhatTheRunnerPrinted) {
  ExitFacts facts = camera();
  facts.log_message = "terminate called after throwing an instance of 'std::bad_alloc'";
  EXPECT_EQ(decide_after_exit({ChildExit::Kind::kSignaled, SIGABRT}, facts).reason,
            "restarted after roadwatch-run killed by signal 6 (SIGABRT): terminate called after "
            "throwing an instance of 'std::bad_alloc'");
}

TEST(Describe, SaysHowItEnded) {
  EXPECT_EQ(describe(kExit1), "exited with status 1");
  EXPECT_EQ(describe({ChildExit::Kind::kSignaled, SIGSEGV}), "killed by signal 11 (SIGSEGV)");
  EXPECT_EQ(describe({ChildExit::Kind::kSignaled, 63}), "killed by signal 63");
}

}  // namespace
}  // namespace rw::server

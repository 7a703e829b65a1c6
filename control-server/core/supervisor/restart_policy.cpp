#include "supervisor/restart_policy.hpp"

#include <csignal>

namespace rw::server {
namespace {

const char *signal_name(int signal) {
  switch (signal) {
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGPIPE:
      return "SIGPIPE";
    default:
      return nullptr;
  }
}

ExitDecision finish(SessionState state, std::string reason) {
  ExitDecision decision;
  decision.state = state;
  decision.reason = std::move(reason);
  if (state == SessionState::kFailed) decision.error = decision.reason;
  return decision;
}

// Signals sent from outside (kill, the OOM killer, a stop) say nothing about the runner's
// output; a crash (SIGSEGV, SIGABRT) often printed why.
bool external_signal(const ChildExit &exit) {
  return exit.kind == ChildExit::Kind::kSignaled &&
         (exit.value == SIGKILL || exit.value == SIGTERM || exit.value == SIGINT);
}

// The runner's own words for a failure, else how it ended.
std::string failure_text(const ChildExit &exit, const ExitFacts &facts) {
  const auto &status = facts.final_status;
  if (exit.kind != ChildExit::Kind::kSignaled && status) {
    if (status->state == SessionState::kFailed && !status->reason.empty()) return status->reason;
  }
  std::string text = "roadwatch-run " + describe(exit);
  if (!facts.log_message.empty() && !external_signal(exit)) text += ": " + facts.log_message;
  return text;
}

}  // namespace

std::string describe(const ChildExit &exit) {
  switch (exit.kind) {
    case ChildExit::Kind::kExited:
      return "exited with status " + std::to_string(exit.value);
    case ChildExit::Kind::kSignaled: {
      const char *name = signal_name(exit.value);
      return "killed by signal " + std::to_string(exit.value) +
             (name != nullptr ? std::string(" (") + name + ")" : std::string());
    }
    case ChildExit::Kind::kVanished:
      return "ended (it was not the server's child, its exit status is unknown)";
  }
  return "ended";
}

ExitDecision decide_after_exit(const ChildExit &exit, const ExitFacts &facts) {
  if (facts.stop_requested) return finish(SessionState::kStopped, "stopped by operator");

  // A re-attached runner leaves only its last status to tell how it ended.
  ChildExit how = exit;
  if (exit.kind == ChildExit::Kind::kVanished && facts.final_status) {
    if (facts.final_status->state == SessionState::kStopped) how = {ChildExit::Kind::kExited, 0};
    if (facts.final_status->state == SessionState::kFailed) how = {ChildExit::Kind::kExited, 1};
  }

  if (how.kind == ChildExit::Kind::kExited && how.value == 0) {
    const bool said = facts.final_status && facts.final_status->state == SessionState::kStopped &&
                      !facts.final_status->reason.empty();
    return finish(SessionState::kStopped, said ? facts.final_status->reason : "end of stream");
  }
  if (how.kind == ChildExit::Kind::kExited && how.value == 2) {
    const std::string why = facts.log_message.empty()
                                ? "roadwatch-run exited with status 2 (see run.log)"
                                : facts.log_message;
    return finish(SessionState::kFailed, "bad template or variables: " + why);
  }

  const std::string what = failure_text(how, facts);
  if (facts.kind == SourceKind::kVideo && how.kind == ChildExit::Kind::kExited) {
    return finish(SessionState::kFailed, what);
  }

  const bool progressed = facts.kind == SourceKind::kCamera && facts.published_frames;
  const int failures = (progressed ? 0 : facts.failures_in_a_row) + 1;
  if (failures >= facts.max_failures) {
    const std::string rule = facts.kind == SourceKind::kCamera
                                 ? " failures in a row without a frame: "
                                 : " failures of this video's run: ";
    ExitDecision decision =
        finish(SessionState::kFailed, "gave up after " + std::to_string(failures) + rule + what);
    decision.failures_in_a_row = failures;
    return decision;
  }
  ExitDecision decision;
  decision.action = ExitDecision::Action::kRestart;
  decision.state = SessionState::kStarting;
  decision.reason = "restarted after " + what;
  decision.error = what;
  decision.failures_in_a_row = failures;
  decision.progressed = progressed;
  return decision;
}

}  // namespace rw::server

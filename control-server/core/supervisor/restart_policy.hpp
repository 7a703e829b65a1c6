#pragma once

// What the server does when a session's roadwatch-run ends (roadwatch-run exits 0 at the end of
// a file or after SIGTERM, 1 when its pipeline failed, 2 for bad template variables):
//  - the operator stopped it: stopped, "stopped by operator";
//  - exit 0: stopped, with the runner's reason ("end of stream");
//  - exit 2: failed, with the runner's message: running it again would fail the same way;
//  - a video's runner that exited 1 (or another status): failed with its reason. It ran the
//    file to an error that a rerun of the same file meets again (the runner's own contract: a
//    file run ends at its first error);
//  - killed by a signal (a crash, the OOM killer, kill -9), a camera's runner exiting non-zero,
//    or a re-attached runner that vanished: restarted after a backoff, unless this is the
//    max_failures-th failure in a row: failed. A camera's count restarts when a run published
//    a frame (it got through); a video's never does, since each rerun starts the file over.

#include <optional>
#include <string>

#include "supervisor/runner_status.hpp"
#include "supervisor/session.hpp"

namespace rw::server {

struct ChildExit {
  enum class Kind {
    kExited,    // value = exit status
    kSignaled,  // value = signal number
    kVanished,  // a re-attached runner (not the server's child) is gone: status unknown
  };
  Kind kind = Kind::kExited;
  int value = 0;
};

// "exited with status 1", "killed by signal 9 (SIGKILL)", "ended (it was not the server's
// child, its exit status is unknown)".
std::string describe(const ChildExit &exit);

struct ExitFacts {
  SourceKind kind = SourceKind::kVideo;
  bool stop_requested = false;               // desired_state is stopped
  std::optional<RunnerStatus> final_status;  // this runner's last status, when current
  bool published_frames = false;             // this runner published at least one frame
  std::string log_message;                   // the runner's last message in run.log
  int failures_in_a_row = 0;                 // before this exit
  int max_failures = 5;
};

struct ExitDecision {
  enum class Action { kFinish, kRestart };
  Action action = Action::kFinish;
  SessionState state = SessionState::kStopped;  // kStarting when restarting
  std::string reason;
  std::string error;          // for last_error; empty after a clean end
  int failures_in_a_row = 0;  // this exit included; 0 after a clean end
  bool progressed = false;    // restart the backoff from its first delay
};

ExitDecision decide_after_exit(const ChildExit &exit, const ExitFacts &facts);

}  // namespace rw::server

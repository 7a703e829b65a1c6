#pragma once

// Recognising a session's runner among the processes of the machine, after a server restart:
// a recorded pid may since belong to something else. /proc/<pid>/cmdline and environ are
// NUL-separated; these functions take their contents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rw::server {

// The environment variable that tells a runner's restart count before it was started, so that a
// re-attaching server adds the runner's own rebuilds to the right base.
inline constexpr const char *kRestartsEnv = "RW_SESSION_RESTARTS";

std::vector<std::string> split_nul(std::string_view text);

// Whether argv is `runner ... --set RUN_ID=<session_id> ...`: the runner as argv[0], or as
// argv[1] when it is a script started through its interpreter.
bool is_runner_of_session(const std::vector<std::string> &argv, const std::string &runner,
                          std::int64_t session_id);

// NAME=<integer> in an environment; nullopt when absent or not a whole number.
std::optional<std::int64_t> environment_integer(const std::vector<std::string> &environment,
                                                std::string_view name);

}  // namespace rw::server

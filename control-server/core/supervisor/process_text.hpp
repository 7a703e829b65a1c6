#pragma once

// Short, readable reasons from what child processes wrote: the runner's log and gst-launch's
// stderr. Both can be long; the reasons are bounded.

#include <string>
#include <string_view>

namespace rw::server {

// The last runner's last "roadwatch-run: ..." line in (the tail of) its log, without the
// prefix; else its last non-empty line; "" when it wrote nothing. The server's own notes
// ("roadwatch-server: ...") separate one runner's output from the next: only what follows the
// last of them counts.
std::string last_runner_message(std::string_view log_tail);

// What made gst-launch-1.0 fail: the message of its first "ERROR: from element <path>: ..."
// line, else its first "ERROR:" line, else its last non-empty line.
std::string gst_launch_error(std::string_view stderr_text);

}  // namespace rw::server

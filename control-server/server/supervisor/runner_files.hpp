#pragma once

// A session's files under the data directory (sessions/<id>/): the zones and calibration the
// runner's template reads, and run.log, where the runner's output goes.

#include <cstddef>
#include <string>

#include "supervisor/source_config.hpp"

namespace rw::server {

// Writes zones.json and, when the source has one, calibration.json, each replaced atomically
// (a rebuilding runner never reads half a file). Throws std::invalid_argument for a config the
// pipeline would reject, std::runtime_error when a file cannot be written.
void write_session_files(const SessionFiles &files, const SourceConfig &source);

// A line in run.log between runs, so that the log tells one runner from the next.
void append_log_line(const std::string &log_path, const std::string &line);

// The last max_bytes of a log ("" when it cannot be read): a bounded read.
std::string read_log_tail(const std::string &log_path, std::size_t max_bytes = 4096);

}  // namespace rw::server

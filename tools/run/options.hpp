#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "rw/publish/backoff.hpp"

namespace rw::run {

// Bad command-line arguments (roadwatch-run exits 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string template_path;
  std::map<std::string, std::string> values;  // --set KEY=VALUE
  bool live = false;                          // --live; also implied by a non-file URI
  std::chrono::seconds stall_timeout{10};
  std::chrono::seconds eos_timeout{10};
  std::chrono::milliseconds status_interval{1000};
  std::chrono::milliseconds config_interval{1000};
  std::chrono::seconds status_ttl{10};
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{30000};
  bool help = false;
};

// args excludes the program name. Throws UsageError naming the bad argument.
Options parse_options(const std::vector<std::string> &args);

std::string usage();

// Live: --live, or a URI variable whose scheme is not file:. Live pipelines are rebuilt after
// an error or a stall; file runs end at end of stream or at the first error.
bool is_live(const Options &options, const std::map<std::string, std::string> &resolved);

// Waits before rebuilding a live pipeline: from --backoff-initial-ms doubling up to
// --backoff-max-ms, each drawn from the top fifth below its base so that cameras that failed
// together do not all come back in the same instant. Reset by the first frame.
rw::publish::Backoff::Config rebuild_backoff(const Options &options);

}  // namespace rw::run
